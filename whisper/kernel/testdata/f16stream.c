// f16stream: why the F16 decoder rows are summed one weight row at a time
// (whisper/kernel/f16acc.go). It times q·Wᵀ for the tiny logits product
// (W 51864×384 halves, 40 MB, one thread) in two access orders:
//   rows8: eight weight rows interleaved, 8 halves of each per step, one
//          8-lane accumulator per row (the float32 dots order);
//   row4:  one weight row front to back, four 8-lane accumulators.
//
//   gcc -O2 -mavx2 -mfma -mf16c whisper/kernel/testdata/f16stream.c -o /tmp/f16stream && /tmp/f16stream
//
// Zen 4 VM, 2026-11-30: rows8 5.07 ms (7.9 GB/s), row4 2.24–2.37 ms (16.8–17.8 GB/s).
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

static float hsum(__m256 v) {
	float x[8];
	_mm256_storeu_ps(x, v);
	return ((x[0] + x[4]) + (x[1] + x[5])) + ((x[2] + x[6]) + (x[3] + x[7]));
}

int main(void) {
	enum { N = 51864, K = 384 };
	uint16_t *w = aligned_alloc(64, (size_t)N * K * 2);
	float *q = aligned_alloc(64, K * 4), *out = malloc(N * 4);
	for (size_t i = 0; i < (size_t)N * K; i++) w[i] = 0x3c00 + (i & 255);
	for (int i = 0; i < K; i++) q[i] = 1.0f / (i + 1);
	for (int variant = 0; variant < 2; variant++) {
		double best = 1e9;
		for (int r = 0; r < 10; r++) {
			double t0 = now();
			if (variant == 0) {
				for (int j = 0; j < N; j += 8) {
					__m256 a[8];
					for (int u = 0; u < 8; u++) a[u] = _mm256_setzero_ps();
					for (int p = 0; p < K; p += 8) {
						__m256 x = _mm256_load_ps(q + p);
						for (int u = 0; u < 8; u++)
							a[u] = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((void *)(w + (size_t)(j + u) * K + p))), x, a[u]);
					}
					for (int u = 0; u < 8; u++) out[j + u] = hsum(a[u]);
				}
			} else {
				for (int j = 0; j < N; j++) {
					const uint16_t *row = w + (size_t)j * K;
					__m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
					for (int p = 0; p < K; p += 32) {
						a0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((void *)(row + p))), _mm256_load_ps(q + p), a0);
						a1 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((void *)(row + p + 8))), _mm256_load_ps(q + p + 8), a1);
						a2 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((void *)(row + p + 16))), _mm256_load_ps(q + p + 16), a2);
						a3 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((void *)(row + p + 24))), _mm256_load_ps(q + p + 24), a3);
					}
					out[j] = hsum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
				}
			}
			double dt = now() - t0;
			if (dt < best) best = dt;
		}
		printf("%s: %.2f ms (%.1f GB/s), out[7] = %g\n", variant ? "row4" : "rows8", best * 1e3, (double)N * K * 2 / best / 1e9, out[7]);
	}
	return 0;
}
