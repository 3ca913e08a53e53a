# syntax=docker/dockerfile:1
# The images `tilt up` builds: one binary from the host's build (tilt/stage lays out the
# context, .saascript/tilt/<binary>/), no compiler inside. The same distroless base as docker/, in its
# debug variant: live_update needs the busybox `sh` and `tar` it adds (Tilt syncs files with
# `tar` and runs steps with `sh -c`). The host build must run on this image's glibc (Debian
# 12's 2.36), as it does when the host is Debian 12 (tilt/README.md).
FROM gcr.io/distroless/cc-debian12:debug-nonroot
ARG BINARY
COPY root/ /
# Billing, tenants and the operator read the catalog from config/plans.yaml under WORKDIR /.
COPY plans.yaml /config/plans.yaml
COPY live-run.sh /usr/local/bin/live-run
# ENTRYPOINT does not expand build arguments; live-run reads the binary's name from here.
ENV SAASCRIPT_BINARY=${BINARY}
USER 65532:65532
WORKDIR /
ENTRYPOINT ["/busybox/sh", "/usr/local/bin/live-run"]
