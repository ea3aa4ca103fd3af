"""Who runs the final stage: rules that leave a file whose user is not root, or cannot be known."""
