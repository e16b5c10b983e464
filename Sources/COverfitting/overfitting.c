// See include/COverfitting.h. The arithmetic is the documented one of `probabilityOfOverfitting`
// (Overfitting.swift): a side's sums add its groups' table rows in group order starting from zero, the
// other side's are the totals minus those, and a Sharpe ratio is mean / √variance with
// mean = Σr / count and variance = (Σr² − Σr · mean) / (count − 1), 0 unless count ≥ 2 and variance > 0.
#include "COverfitting.h"

#include <string.h>

// Contracting a · b − c into a fused multiply-add would change the rounding (and with it a near-tie).
#pragma STDC FP_CONTRACT OFF
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

#if defined(__x86_64__)
#include <cpuid.h>
#endif

/// Four combinations side by side (on the baseline, two SSE2 registers; with AVX, one).
typedef double v4d __attribute__((vector_size(32)));
/// A lane mask: all ones where a comparison holds.
typedef long long v4m __attribute__((vector_size(32)));

#define INLINE static inline __attribute__((always_inline))

// Every function taking or returning a vector is always inlined, so no call passes one and the ABI note
// (a 32-byte vector passes differently with and without AVX) does not apply.
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpsabi"
#endif

INLINE v4d load(const double *p) {
    v4d v;
    memcpy(&v, p, sizeof v);
    return v;
}

INLINE void store(v4d v, double *p) { memcpy(p, &v, sizeof v); }

INLINE v4d splat(double x) { return (v4d){x, x, x, x}; }

/// `m ? x : 0` per lane (+0 where the mask is clear).
INLINE v4d keep(v4m m, v4d x) { return (v4d)(m & (v4m)x); }

/// `x > best ? x : best` per lane (NaN never replaces).
INLINE v4d larger(v4d x, v4d best) {
    v4m m = x > best;
    return (v4d)((m & (v4m)x) | (~m & (v4m)best));
}

/// `sharpe(count:sum:sumSq:)` on four lanes: the same operations in the same order, without branches.
INLINE v4d sharpe(v4d cc, v4d a, v4d q) {
    v4d mean = a / cc;
    v4d variance = (q - a * mean) / (cc - splat(1));
    v4d ratio = mean / __builtin_elementwise_sqrt(variance);
    return keep((cc >= splat(2)) & (variance > splat(0)), ratio);
}

/// The first combination whose value equals the largest lane of `best` (0 when none is above −∞).
INLINE int first_index(v4d best, const double *values) {
    double top = best[0];
    for (int j = 1; j < 4; j++) top = best[j] > top ? best[j] : top;
    if (!(top > -__builtin_inf())) return 0;
    int k = 0;
    while (!(values[k] == top)) k++;
    return k;
}

INLINE int64_t overfit_splits(
    int s, int lanes, const double *tc, const double *t1, const double *t2, const double *totals,
    const double *weights, const int64_t *int_counts, const int64_t *total_counts, double *scratch,
    int64_t *splits_out) {
    const int groups = (s + 3) / 4;
    double *first = scratch;  // Sharpe on the split's blocks (the side with block 0)
    double *second = first + lanes;  // Sharpe on the other blocks
    double *split_counts = second + lanes;  // with integer counts: both sides' counts as Doubles
    long rows[6] = {0};
    int64_t splits = 0, overfit = 0;
    double n1 = 1;  // N + 1
    for (int k = 0; k < lanes; k++) n1 += weights[k];
    // Every s-bit mask with s/2 bits set that holds block 0 (its complement is the other split).
    int64_t mask = ((int64_t)1 << (s / 2)) - 1;
    const int64_t end = (int64_t)1 << s;
    while (mask < end) {
        if (mask & 1) {
            for (int g = 0; g < groups; g++) rows[g] = (long)(g * 16 + ((mask >> (4 * g)) & 15)) * lanes;
            if (int_counts) {
                for (int k = 0; k < lanes; k++) {
                    int64_t c = 0;
                    for (int g = 0; g < groups; g++) c += int_counts[rows[g] + k];
                    split_counts[k] = (double)c;
                    split_counts[lanes + k] = (double)(total_counts[k] - c);
                }
            }
            v4d best_first = splat(-__builtin_inf());
            v4d best_second = best_first;
            for (int k = 0; k < lanes; k += 4) {
                v4d c = splat(0), a = splat(0), q = splat(0);
                for (int g = 0; g < groups; g++) {
                    const long at = rows[g] + k;
                    c += load(tc + at);
                    a += load(t1 + at);
                    q += load(t2 + at);
                }
                v4d c2;
                if (int_counts) {
                    c = load(split_counts + k);
                    c2 = load(split_counts + lanes + k);
                } else {
                    c2 = load(totals + k) - c;
                }
                v4d x = sharpe(c, a, q);
                v4d y = sharpe(c2, load(totals + lanes + k) - a, load(totals + 2 * lanes + k) - q);
                store(x, first + k);
                store(y, second + k);
                best_first = larger(x, best_first);
                best_second = larger(y, best_second);
            }
            // Train on one side, rank on the other, both ways.
            const v4d chosen_second = splat(second[first_index(best_first, first)]);
            const v4d chosen_first = splat(first[first_index(best_second, second)]);
            v4d below_second = splat(0), equal_second = below_second;
            v4d below_first = below_second, equal_first = below_second;
            for (int k = 0; k < lanes; k += 4) {
                v4d x = load(first + k), y = load(second + k), w = load(weights + k);
                below_second += keep(y < chosen_second, w);
                equal_second += keep(y == chosen_second, w);
                below_first += keep(x < chosen_first, w);
                equal_first += keep(x == chosen_first, w);
            }
            // Mid-rank: 2·rank = 2·below + equal + 1; overfit when rank ≤ (N + 1)/2. (Counts below 2⁵³
            // add exactly as Doubles, in any order.)
            double twice_rank_second = 1, twice_rank_first = 1;
            for (int j = 0; j < 4; j++) {
                twice_rank_second += 2 * below_second[j] + equal_second[j];
                twice_rank_first += 2 * below_first[j] + equal_first[j];
            }
            overfit += (twice_rank_second <= n1) + (twice_rank_first <= n1);
            splits += 2;
        }
        // Next mask with the same number of bits (Gosper's hack).
        const int64_t low = mask & -mask;
        const int64_t ripple = mask + low;
        mask = (((ripple ^ mask) >> 2) / low) | ripple;
    }
    *splits_out = splits;
    return overfit;
}

static int64_t overfit_splits_baseline(
    int s, int lanes, const double *tc, const double *t1, const double *t2, const double *totals,
    const double *weights, const int64_t *int_counts, const int64_t *total_counts, double *scratch,
    int64_t *splits) {
    return overfit_splits(s, lanes, tc, t1, t2, totals, weights, int_counts, total_counts, scratch, splits);
}

#if defined(__x86_64__)
__attribute__((target("avx"))) static int64_t overfit_splits_avx(
    int s, int lanes, const double *tc, const double *t1, const double *t2, const double *totals,
    const double *weights, const int64_t *int_counts, const int64_t *total_counts, double *scratch,
    int64_t *splits) {
    return overfit_splits(s, lanes, tc, t1, t2, totals, weights, int_counts, total_counts, scratch, splits);
}
#endif

bool coverfitting_has_avx(void) {
#if defined(__x86_64__)
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return false;
    if (!(ecx & bit_OSXSAVE) || !(ecx & bit_AVX)) return false;
    // The OS saves the YMM registers on a context switch (XCR0 bits 1 and 2).
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    (void)hi;
    return (lo & 6) == 6;
#else
    return false;
#endif
}

int64_t coverfitting_overfit_splits(
    bool use_avx, int blocks, int lanes, const double *tc, const double *t1, const double *t2,
    const double *totals, const double *weights, const int64_t *int_counts, const int64_t *total_counts,
    double *scratch, int64_t *splits) {
#if defined(__x86_64__)
    if (use_avx)
        return overfit_splits_avx(
            blocks, lanes, tc, t1, t2, totals, weights, int_counts, total_counts, scratch, splits);
#else
    (void)use_avx;
#endif
    return overfit_splits_baseline(
        blocks, lanes, tc, t1, t2, totals, weights, int_counts, total_counts, scratch, splits);
}
