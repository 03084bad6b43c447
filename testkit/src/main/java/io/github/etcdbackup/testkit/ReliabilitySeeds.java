package io.github.etcdbackup.testkit;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Seeded randomness for reliability suites: every case derives its own generator from one base seed and its name,
 * so that a failing case is reproduced alone with {@code -Dreliability.seed=BASE} (print {@link #BASE} in every
 * failure message and summary).
 */
public final class ReliabilitySeeds {
    /** The base seed: the {@code reliability.seed} system property, or a fixed default. */
    public static final long BASE = Long.getLong("reliability.seed", 20_261_126L);

    private ReliabilitySeeds() {
    }

    /** A generator of its own for the case named {@code caseName}, the same on every run with the same base seed. */
    public static SplittableRandom random(String caseName) {
        long h = BASE;
        for (byte b : caseName.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ b) * 0x100000001b3L;
        }
        return new SplittableRandom(h);
    }
}
