from langchain_huggingface import HuggingFaceEmbeddings


def load_embedding_model():
    # the default model is downloaded on first use into a folder the compose file bind-mounts
    return HuggingFaceEmbeddings(model_name="all-MiniLM-L6-v2", cache_folder="/embedding_model")
