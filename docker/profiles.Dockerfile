# syntax=docker/dockerfile:1
# The profiles image: saascript-profiles on distroless (glibc, libgcc_s, the CA bundle), from the
# shared workspace build (docker/builder.Dockerfile; docker/README.md says how to build both).
ARG BUILDER=saascript-builder:local
FROM ${BUILDER} AS build

FROM gcr.io/distroless/cc-debian12:nonroot
# Libraries the binary loads that distroless lacks (see builder.Dockerfile); may be none.
COPY --from=build /out/lib/saascript-profiles/ /
COPY --from=build /out/bin/saascript-profiles /usr/local/bin/saascript-profiles
# The numeric user, so that runAsNonRoot can check it. Nothing in the image is written at run
# time: the chart and the operator run it with a read-only root and an emptyDir on /tmp.
USER 65532:65532
WORKDIR /
ENTRYPOINT ["/usr/local/bin/saascript-profiles"]
