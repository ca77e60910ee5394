# syntax=docker/dockerfile:1
# The function's image. `fn build` / `fn deploy` use this file instead of generating one
# (the fn CLI only generates a Dockerfile when the function directory has none), so
# func.yaml's build_image/run_image are the defaults below and its entrypoint is the
# ENTRYPOINT at the end (tests/image/test_dockerfile.py keeps the two equal).
#
#   docker build --platform linux/amd64 -t jobrun-launcher:0.1.0 .
#
# BUILD_IMAGE and RUN_IMAGE must be overridden together (e.g. both python:3.11-slim):
# /python/bin/fdk's shebang is the build image's interpreter path.
ARG BUILD_IMAGE=fnproject/python:3.11-dev
ARG RUN_IMAGE=fnproject/python:3.11

FROM ${BUILD_IMAGE} AS build
# Pinned runtime dependencies only (requirements-dev.txt never enters the image).
COPY requirements.txt /tmp/requirements.txt
RUN pip3 install --no-cache-dir --disable-pip-version-check --no-compile \
        --target /python -r /tmp/requirements.txt \
    && rm -f /tmp/requirements.txt
COPY func.yaml /function/func.yaml
COPY func/ /function/func/
COPY jobspec/ /function/jobspec/
COPY ociplatform/ /function/ociplatform/
# Byte-code, compiled once here: the function's file system is read-only at run time, so a
# missing .pyc is recompiled on every cold start (~0.9 s for the SDK). unchecked-hash .pyc
# files are used without comparing source mtimes, which COPY may not preserve.
# Skipped (-x): the ~170 OCI service packages the function never imports (~220 MB of
# .pyc); kept: data_science, object_storage, dns (oci.pagination imports it),
# work_requests (oci.waiter imports it) and the SDK's non-service packages.
RUN python3 -m compileall -q -j 0 --invalidation-mode unchecked-hash \
        -x '^/python/oci/(?!(data_science|object_storage|dns|work_requests|_vendor|addons|auth|circuit_breaker|encryption|pagination|retry)/)[^/]+/' \
        /python /function \
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
