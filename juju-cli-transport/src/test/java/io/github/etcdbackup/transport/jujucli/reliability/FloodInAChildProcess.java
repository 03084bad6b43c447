package io.github.etcdbackup.transport.jujucli.reliability;

import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The JVM {@link FloodChecks} starts with a small heap: asks a flooding {@code juju} for the model's status and prints
 * one line, {@code result=SIMPLE_CLASS_NAME rawOutputChars=N peakHeapBytes=N}. An {@code OutOfMemoryError} is a
 * result too (the line is still printed: the heap is free again once the error unwound). Argument: the executable.
 */
public final class FloodInAChildProcess {
    private FloodInAChildProcess() {
    }

    public static void main(String[] args) {
        AtomicLong peakHeap = new AtomicLong();
        Thread sampler = new Thread(() -> sampleHeap(peakHeap), "heap-sampler");
        sampler.setDaemon(true);
        sampler.start();
        String result;
        long rawOutputChars = -1;
        try (JujuCliTransport transport = JujuCliTransport.builder().executable(Path.of(args[0])).build()) {
            transport.model().orElseThrow().status(Deadline.after(Duration.ofSeconds(60)));
            result = "returned";
        } catch (io.github.etcdbackup.exception.OutputParseException e) {
            result = e.getClass().getSimpleName();
            rawOutputChars = e.rawOutput().length();
        } catch (Throwable e) {
            result = e.getClass().getSimpleName();
        }
        System.out.println("result=" + result + " rawOutputChars=" + rawOutputChars + " peakHeapBytes=" + peakHeap.get());
    }

    /**
     * The most heap in use (garbage not yet collected included, so an upper bound), sampled every millisecond:
     * {@code java.management} is not readable by this module's tests.
     */
    private static void sampleHeap(AtomicLong peak) {
        Runtime runtime = Runtime.getRuntime();
        while (true) {
            peak.accumulateAndGet(runtime.totalMemory() - runtime.freeMemory(), Math::max);
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
