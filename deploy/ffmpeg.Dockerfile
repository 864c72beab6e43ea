# The worker image with ffmpeg: the same static worker binary plus ffmpeg and
# the shared libraries it loads, copied from the build machine's Debian
# packages by scripts/ffmpeg-rootfs.sh (no registry needed). It decodes what
# the built-in decoders do not (HE-AAC, AMR, WMA, AIFF, ALAC, AC-3, ...).
# Build with `make images` (context: bin/). The licences of the Debian
# packages copied are in /usr/share/doc.
FROM scratch
COPY ffmpeg-rootfs/ /
COPY xdna-worker /xdna-worker
COPY xdnactl /xdnactl
COPY xdna-provision /xdna-provision
# Public CAs for TLS to S3 and NATS (S3_USE_TLS, NATS_TLS_*): the bundle of
# the build machine's Debian ca-certificates package, copied by `make images`.
# Go reads it at the standard path; S3_TLS_CA / NATS_TLS_CA add private CAs.
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --chown=65532:65532 .tmpdir /tmp
USER 65532:65532
ENV HTTP_ADDR=:8080 LOG_FORMAT=json XDNA_TEMP_DIR=/tmp FFMPEG_PATH=/usr/bin/ffmpeg
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD ["/xdna-worker", "healthcheck"]
ENTRYPOINT ["/xdna-worker"]
