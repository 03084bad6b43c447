package io.github.etcdbackup.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures what a download really keeps on the heap: every 100 ms a full GC, then the heap in use. Peak heap and
 * the heap after young GCs mostly show garbage (G1 lets it reach the -Xmx cap before collecting, and old-generation
 * garbage survives young GCs), so they grow with the file even when nothing is kept. Only for the memory child:
 * the full GCs cost it time.
 */
final class LiveHeapSampler {
    private static final long PERIOD_MILLIS = 100;

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong max = new AtomicLong();
    private final Thread thread;

    private LiveHeapSampler() {
        thread = new Thread(this::sample, "live-heap-sampler");
        thread.setDaemon(true);
    }

    static LiveHeapSampler start() {
        LiveHeapSampler sampler = new LiveHeapSampler();
        sampler.thread.start();
        return sampler;
    }

    private void sample() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        while (running.get()) {
            memory.gc();
            max.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
            try {
                Thread.sleep(PERIOD_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Stops sampling; returns the largest heap in use seen right after a full GC, in bytes. */
    long stop() throws InterruptedException {
        running.set(false);
        thread.interrupt();
        thread.join();
        return max.get();
    }
}
