"""lambda-function: an AWS Lambda function image.

Lambda runs a function's container image as its own least-privileged Linux user, whatever the
image's USER says, and documents only ENTRYPOINT, CMD, ENV and WORKDIR as the settings it uses
(https://docs.aws.amazon.com/lambda/latest/dg/images-create.html). A USER line adds nothing there,
and on the AWS base images (which have no useradd) the inserted RUN may not even build. The rule
fires when the final stage's chain starts from an AWS Lambda base image
(`public.ecr.aws/lambda/*`, `amazon/aws-lambda-*`) or its ENTRYPOINT/CMD runs the Lambda runtime
interface client (`awslambdaric`, `aws-lambda-ric`). It runs after base-image: a Lambda base used as
a build toolchain (CMD bash, such as the SAM build images) is base-image's.
"""

from __future__ import annotations

import re

from ...evidence import program
from ...images import parse_ref

NAME = "lambda-function"
SUMMARY = "An AWS Lambda function image (a `public.ecr.aws/lambda/*` base, or the runtime interface client): Lambda runs it as its own user and ignores USER."
EXAMPLE = 'FROM public.ecr.aws/lambda/python:3.12\nCOPY app.py ${LAMBDA_TASK_ROOT}\nCMD ["app.handler"]'

RIC_RE = re.compile(r"(?<![\w-])(?:awslambdaric|aws-lambda-ric)(?![\w-])")


def lambda_base(image: str | None) -> bool:
    if not image:
        return False
    ref = parse_ref(re.sub(r"\$\{?\w+\}?", "x", image))
    return (ref.registry == "public.ecr.aws" and ref.path.startswith("lambda/")) or ref.path.startswith(
        "amazon/aws-lambda-")


def check(ctx) -> str | None:
    an = ctx.an
    image = an.base_image or an.chain[0].image_raw
    if lambda_base(image):
        return (f"base image {image}: an AWS Lambda function image; Lambda runs the function as its own "
                f"least-privileged user and ignores USER")
    for inst in (an.entrypoint, an.cmd):
        if inst is not None and RIC_RE.search(program(inst)[1]):
            return (f"line {inst.start_line}: {inst.keyword} runs the Lambda runtime interface client: an AWS Lambda "
                    f"function image; Lambda runs the function as its own least-privileged user and ignores USER")
    return None
