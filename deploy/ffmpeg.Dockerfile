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
COPY --chown=65532:65532 .tmpdir /tmp
USER 65532:65532
ENV HTTP_ADDR=:8080 LOG_FORMAT=json XDNA_TEMP_DIR=/tmp FFMPEG_PATH=/usr/bin/ffmpeg
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD ["/xdna-worker", "healthcheck"]
ENTRYPOINT ["/xdna-worker"]
