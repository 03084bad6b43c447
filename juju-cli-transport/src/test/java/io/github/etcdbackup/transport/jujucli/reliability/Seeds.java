package io.github.etcdbackup.transport.jujucli.reliability;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Seeded randomness: every case derives its own generator from the base seed and its name, so that one failing case
 * is reproduced alone with {@code -Dreliability.seed=BASE} (printed by the summary and in every failure message).
 */
final class Seeds {
    static final long BASE = Long.getLong("reliability.seed", 20_261_126L);

    private Seeds() {
    }

    static SplittableRandom random(String caseName) {
        long h = BASE;
        for (byte b : caseName.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ b) * 0x100000001b3L;
        }
        return new SplittableRandom(h);
    }
}
