// Byte scans that Swift cannot vectorise (its SIMD types compile to a loop of scalar
// compares on this toolchain, 100 times slower than the table walk they were to replace),
// written as plain C loops that clang turns into vector code; no intrinsics, so any
// architecture builds them. Counting an attachment's decoded size is the one use: a poll counts
// every base64 byte it fetches (BENCHMARKS.md "## Fetching").
#include "byte_scan.h"

#include <string.h>

#define BLOCK 32

// One copy for AVX2 and one for the x86-64 baseline (SSE2), chosen once at load time.
#if defined(__x86_64__) && defined(__linux__)
__attribute__((target_clones("avx2", "default")))
#endif
size_t kontakt_base64_clean_prefix(const unsigned char *bytes, size_t count, size_t *alphabet) {
    size_t i = 0, letters = 0;
    int clean = 1;
    while (clean && i + BLOCK <= count) {
        // Per-lane counts, summed at most every 255 blocks so that no lane overflows.
        unsigned char lanes[BLOCK];
        memset(lanes, 0, BLOCK);
        for (int blocks = 0; blocks < 255 && i + BLOCK <= count; blocks++, i += BLOCK) {
            unsigned char isLetter[BLOCK], bad = 0;
            for (int k = 0; k < BLOCK; k++) {
                unsigned char c = bytes[i + k];
                unsigned char folded = (unsigned char)((c | 0x20) - 'a');  // A–Z and a–z to 0–25
                unsigned char digit = (unsigned char)(c - '0');
                isLetter[k] = (folded < 26) | (digit < 10) | (c == '+') | (c == '/') | (c == '-') | (c == '_');
                unsigned char space = (c == '\r') | (c == '\n') | (c == ' ') | (c == '\t');
                bad |= !(isLetter[k] | space);
            }
            if (bad) { clean = 0; break; }
            for (int k = 0; k < BLOCK; k++) lanes[k] += isLetter[k];
        }
        for (int k = 0; k < BLOCK; k++) letters += lanes[k];
    }
    *alphabet = letters;
    return i;
}
