# syntax=docker/dockerfile:1
# The function's image. `fn build` / `fn deploy` use this file instead of generating one
# (the fn CLI only generates a Dockerfile when the function directory has none), so
# func.yaml's build_image/run_image are the defaults below and its entrypoint is the
# ENTRYPOINT at the end (tests/system/test_dockerfile.py keeps the two equal).
#
#   docker build --platform linux/amd64 -t jobrun-launcher:0.1.0 .
#
# BUILD_IMAGE and RUN_IMAGE must be overridden together (e.g. both python:3.11-slim):
# /python/bin/fdk's shebang is the build image's interpreter path. The build image needs
# binutils' `strip` (the -dev image has it; apt-get install binutils on a slim one).
# They stay on their tags: no published digest of the fnproject images was at hand to pin.
# To pin, pass (or write here) name:tag@sha256:<digest>, the digest from
# `docker buildx imagetools inspect fnproject/python:3.11`; make images passes a stand-in
# base here where the registry cannot be reached (README: Build the images).
ARG BUILD_IMAGE=fnproject/python:3.11-dev
ARG RUN_IMAGE=fnproject/python:3.11

FROM ${BUILD_IMAGE} AS build
# /python: the hashed function lock (requirements/function.lock.txt), only what the
# function imports, stripped and byte-compiled, by the script `make payload` runs too.
COPY requirements/function.lock.txt /build/requirements/function.lock.txt
COPY tools/build_payload.py /build/tools/build_payload.py
RUN PIP_NO_CACHE_DIR=1 python3 /build/tools/build_payload.py /python \
    && rm -rf /build
COPY func.yaml /function/func.yaml
COPY func/ /function/func/
COPY jobspec/ /function/jobspec/
COPY ociplatform/ /function/ociplatform/
COPY ocirefs/ /function/ocirefs/
# Byte-code, compiled once here like /python's: the function's file system is read-only at
# run time, so a missing .pyc is recompiled on every cold start. unchecked-hash .pyc files
# are used without comparing source mtimes, which COPY may not preserve.
RUN python3 -m compileall -q -j 0 --invalidation-mode unchecked-hash /function \
    && chmod -R a+rX /python /function

FROM ${RUN_IMAGE}
WORKDIR /function
COPY --from=build /python /python
COPY --from=build /function /function
ENV PYTHONPATH=/function:/python \
    PYTHONDONTWRITEBYTECODE=1
# OCI Functions runs containers as fn (uid/gid 1000) anyway; say so, numerically, so the
# image needs no passwd entry and never runs as root elsewhere either.
USER 1000:1000
ENTRYPOINT ["/python/bin/fdk", "/function/func/handler.py", "handler"]
