# syntax=docker/dockerfile:1
# The one release build of the whole workspace that every image in docker/ takes its binary
# from. One build, not one per image: the services share almost all of their dependencies, so
# nine separate builds would compile the same crates nine times.
#   docker build -f docker/builder.Dockerfile -t saascript-builder:local .
# The result is small (only /out): the toolchain and target/ stay in the build stage and in
# BuildKit's cache mounts, which keep the registry and target/ warm between builds.

# No rust-toolchain file pins a version: the project builds with stable (scripts/toolchain),
# and the workspace's rust-version (1.90) is only a floor.
FROM rust:1-bookworm AS build
# cmake builds librdkafka (rdkafka's cmake-build feature), whose CMake probes for libcurl;
# zlib1g-dev is the zlib that libz-sys links (dynamically: the images carry libz.so.1).
# No libssl-dev: nothing links OpenSSL (TLS is rustls on aws-lc-rs, built from source).
RUN apt-get update \
    && apt-get install -y --no-install-recommends cmake libcurl4-openssl-dev pkg-config zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# target/ is a cache mount, so the binaries are copied out in the same step. The test kit
# (saascript-tests) is left out: its binaries are benchmarks, not shipped.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --workspace --exclude saascript-tests --bins \
    && mkdir -p /out/bin /out/config \
    && find target/release -maxdepth 1 -type f -executable -name 'saascript-*' \
        -exec cp {} /out/bin/ \; \
    && cp config/plans.yaml /out/config/plans.yaml
# The libraries each binary loads beyond what distroless/cc-debian12 has (glibc, libgcc_s,
# libstdc++): today only libz.so.1, for the binaries that link librdkafka. They go under
# /out/lib/<binary>/ at the path the loader looks for them, as scripts/images does with ldd.
RUN for bin in /out/bin/*; do \
        name=$(basename "$bin"); mkdir -p "/out/lib/$name"; \
        for lib in $(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' \
            | grep -Ev '/(libc|libm|libdl|libpthread|librt|libgcc_s|libstdc\+\+)\.so'); do \
            install -D -m 0644 "$(readlink -f "$lib")" "/out/lib/$name$lib"; \
        done; \
    done

FROM scratch
COPY --from=build /out /out
