package io.github.etcdbackup.benchmarks;

import com.sun.management.GcInfo;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures what a download really keeps on the heap: every 100 ms a full GC, and the heap it left. Peak heap and
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
            max.accumulateAndGet(heapAfterLastGc(), Math::max);
            try {
                Thread.sleep(PERIOD_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * The heap in use as the last GC left it (the full GC just run), summed over the heap pools. Not the heap in use
     * now: the download allocates hundreds of MB/s, so a read a moment after the GC already counts new garbage.
     */
    private static long heapAfterLastGc() {
        GcInfo last = null;
        for (GarbageCollectorMXBean bean : ManagementFactory.getGarbageCollectorMXBeans()) {
            GcInfo info = ((com.sun.management.GarbageCollectorMXBean) bean).getLastGcInfo();
            if (info != null && (last == null || info.getStartTime() > last.getStartTime())) {
                last = info;
            }
        }
        if (last == null) {
            return 0;
        }
        long used = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            MemoryUsage after = last.getMemoryUsageAfterGc().get(pool.getName());
            if (pool.getType() == MemoryType.HEAP && after != null) {
                used += after.getUsed();
            }
        }
        return used;
    }

    /** Stops sampling; returns the largest heap in use seen right after a full GC, in bytes. */
    long stop() throws InterruptedException {
        running.set(false);
        thread.interrupt();
        thread.join();
        return max.get();
    }
}
