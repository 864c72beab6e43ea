# NATS server from the statically linked binary in bin/ (no registry needed).
FROM scratch
COPY nats-server /nats-server
EXPOSE 4222 8222
ENTRYPOINT ["/nats-server"]
CMD ["--jetstream", "--store_dir", "/data", "--http_port", "8222"]
