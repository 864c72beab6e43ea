// Reference draws of libstdc++'s std::mt19937 and std::discrete_distribution
// for whisper/sampling's MT19937 and Discrete (see README.md for the command).
#include <cstdio>
#include <random>
#include <vector>

int main() {
    // Raw outputs: seeds 0, 1, 4; the first 3 and the 700th (after a twist).
    for (unsigned seed : {0u, 1u, 4u}) {
        std::mt19937 g(seed);
        unsigned v[700];
        for (int i = 0; i < 700; i++) v[i] = g();
        printf("mt %u %u %u %u %u\n", seed, v[0], v[1], v[2], v[699]);
    }
    // Weights like whisper.cpp's probs: floats, zeros for suppressed
    // entries, a few large ones; 1000 entries.
    std::vector<float> w(1000);
    for (int i = 0; i < 1000; i++) {
        // Exact in float and double alike: (i·7919 mod 1009)³ / 2³⁰.
        float x = (float)((i * 7919) % 1009);
        w[i] = (i % 7 == 3) ? 0.0f : x * x * x / 1073741824.0f;
    }
    w[17] = 0.5f;
    w[999] = 0.0f;
    for (unsigned seed : {0u, 3u}) {
        std::mt19937 g(seed);
        std::discrete_distribution<> dist(w.begin(), w.end());
        printf("draws %u", seed);
        for (int i = 0; i < 200; i++) printf(" %d", dist(g));
        printf("\n");
    }
    return 0;
}
