# MinIO from the statically linked binary in bin/ (no registry needed).
FROM scratch
COPY minio /minio
ENV MINIO_BROWSER=off HOME=/data
VOLUME ["/data"]
EXPOSE 9000
ENTRYPOINT ["/minio"]
CMD ["server", "/data", "--address", ":9000"]
