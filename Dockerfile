# Build: the release binary carries its templates, translations, migrations
# and demo data, so the runtime image needs nothing else.
FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends pkg-config libssl-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked && strip target/release/tiepcan

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/tiepcan --create-home tiepcan
COPY --from=build /src/target/release/tiepcan /usr/local/bin/tiepcan
USER tiepcan
WORKDIR /var/lib/tiepcan
ENV TIEPCAN_BIND=0.0.0.0:8080 TIEPCAN_DATA_DIR=/var/lib/tiepcan/data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD ["/bin/sh", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080"]
ENTRYPOINT ["tiepcan"]
CMD ["serve"]
