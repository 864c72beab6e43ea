// DTW token times from whisper.cpp: dtwref MODEL WAV OUT.json HEADS
// HEADS is top:N (WHISPER_AHEADS_N_TOP_MOST, all heads of the N top-most
// text layers) or a -dtw preset name (tiny.en ... large.v3.turbo).
// Greedy as whisper-cli -bs 1 -bo 1 -nf -sns -nfa -ojf: best_of 1, no
// temperature fallback, non-speech tokens suppressed, flash attention off,
// 2 threads, language en. Writes, per segment, t0/t1 and per token
// id, text, p and t_dtw (centiseconds, -1 for tokens DTW does not time),
// plus n_len (the input's mel frames, whisper_n_len).
#include "whisper.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
static float *read_wav(const char *p, int *n) {
  FILE *f = fopen(p, "rb"); if (!f) return NULL;
  fseek(f, 0, SEEK_END); long sz = ftell(f); fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc(sz); fread(b, 1, sz, f); fclose(f);
  long i = 12;
  while (i + 8 <= sz) {
    uint32_t len = b[i+4] | b[i+5]<<8 | b[i+6]<<16 | (uint32_t)b[i+7]<<24;
    if (!memcmp(b+i, "data", 4)) {
      int cnt = len/2; if (i+8+len > sz) cnt = (sz-i-8)/2;
      float *o = malloc(sizeof(float)*cnt); int16_t *s = (int16_t*)(b+i+8);
      for (int k = 0; k < cnt; k++) o[k] = s[k]/32768.0f;
      *n = cnt; return o;
    }
    i += 8 + len + (len & 1);
  }
  return NULL;
}
static const struct { const char *name; enum whisper_alignment_heads_preset p; } presets[] = {
  {"tiny.en", WHISPER_AHEADS_TINY_EN}, {"tiny", WHISPER_AHEADS_TINY},
  {"base.en", WHISPER_AHEADS_BASE_EN}, {"base", WHISPER_AHEADS_BASE},
  {"small.en", WHISPER_AHEADS_SMALL_EN}, {"small", WHISPER_AHEADS_SMALL},
  {"medium.en", WHISPER_AHEADS_MEDIUM_EN}, {"medium", WHISPER_AHEADS_MEDIUM},
  {"large.v1", WHISPER_AHEADS_LARGE_V1}, {"large.v2", WHISPER_AHEADS_LARGE_V2},
  {"large.v3", WHISPER_AHEADS_LARGE_V3}, {"large.v3.turbo", WHISPER_AHEADS_LARGE_V3_TURBO},
};
// JSON string; bytes >= 0x80 as \u00XX (token texts may be partial UTF-8).
static void jstr(FILE *o, const char *s) {
  fputc('"', o);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') fprintf(o, "\\%c", *p);
    else if (*p < 0x20 || *p >= 0x80) fprintf(o, "\\u%04x", *p);
    else fputc(*p, o);
  }
  fputc('"', o);
}
int main(int argc, char **argv) {
  if (argc < 5) { fprintf(stderr, "usage: dtwref MODEL WAV OUT.json top:N|PRESET\n"); return 2; }
  int n; float *pcm = read_wav(argv[2], &n); if (!pcm) { fprintf(stderr, "wav\n"); return 1; }
  struct whisper_context_params cp = whisper_context_default_params();
  cp.use_gpu = false; cp.flash_attn = false; cp.dtw_token_timestamps = true;
  if (!strncmp(argv[4], "top:", 4)) {
    cp.dtw_aheads_preset = WHISPER_AHEADS_N_TOP_MOST; cp.dtw_n_top = atoi(argv[4] + 4);
  } else {
    cp.dtw_aheads_preset = WHISPER_AHEADS_NONE;
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
      if (!strcmp(argv[4], presets[i].name)) cp.dtw_aheads_preset = presets[i].p;
    if (cp.dtw_aheads_preset == WHISPER_AHEADS_NONE) { fprintf(stderr, "unknown preset %s\n", argv[4]); return 2; }
  }
  struct whisper_context *ctx = whisper_init_from_file_with_params(argv[1], cp);
  if (!ctx) return 1;
  struct whisper_full_params fp = whisper_full_default_params(WHISPER_SAMPLING_GREEDY);
  fp.n_threads = 2; fp.language = "en"; fp.greedy.best_of = 1; fp.temperature_inc = 0.0f;
  fp.suppress_nst = true; fp.token_timestamps = true; // as whisper-cli -ojf
  fp.print_progress = false; fp.print_realtime = false; fp.print_timestamps = false;
  if (whisper_full(ctx, fp, pcm, n)) { fprintf(stderr, "whisper_full failed\n"); return 1; }
  FILE *o = fopen(argv[3], "w"); if (!o) return 1;
  fprintf(o, "{\"heads\": "); jstr(o, argv[4]);
  fprintf(o, ", \"n_len\": %d, \"segments\": [\n", whisper_n_len(ctx));
  int ns = whisper_full_n_segments(ctx);
  for (int i = 0; i < ns; i++) {
    fprintf(o, "{\"t0\": %lld, \"t1\": %lld, \"tokens\": [\n",
            (long long)whisper_full_get_segment_t0(ctx, i), (long long)whisper_full_get_segment_t1(ctx, i));
    int nt = whisper_full_n_tokens(ctx, i);
    for (int j = 0; j < nt; j++) {
      whisper_token_data td = whisper_full_get_token_data(ctx, i, j);
      fprintf(o, "{\"id\": %d, \"text\": ", td.id); jstr(o, whisper_token_to_str(ctx, td.id));
      fprintf(o, ", \"p\": %.6g, \"t_dtw\": %lld}%s\n", td.p, (long long)td.t_dtw, j + 1 < nt ? "," : "");
    }
    fprintf(o, "]}%s\n", i + 1 < ns ? "," : "");
  }
  fprintf(o, "]}\n");
  fclose(o); whisper_free(ctx); return 0;
}
