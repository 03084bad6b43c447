package io.github.etcdbackup.benchmarks;

import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Runs one body under a JFR recording ("profile" settings: method samples every 10 ms) and prints where the
 * samples fell: the hottest top frames, and per thread. Samples of threads that are blocked in native reads are not
 * taken by JFR's execution sampler, so the figures show CPU, which is what limits a loopback transfer.
 */
final class Profiler {
    private Profiler() {
    }

    static void profile(Report report, String name, Path file, Report.Body body) throws Exception {
        Configuration settings = Configuration.getConfiguration("profile");
        try (Recording recording = new Recording(settings)) {
            recording.enable("jdk.ExecutionSample").withPeriod(java.time.Duration.ofMillis(10));
            recording.enable("jdk.NativeMethodSample").withPeriod(java.time.Duration.ofMillis(20));
            recording.start();
            long start = System.nanoTime();
            body.run();
            double seconds = (System.nanoTime() - start) / 1e9;
            recording.stop();
            recording.dump(file);
            report.info(String.format(Locale.ROOT, "profile %s: one extra run under JFR took %.2f s; recording %s",
                    name, seconds, file));
        }
        Map<String, Integer> topFrames = new HashMap<>();
        Map<String, Integer> threads = new HashMap<>();
        Map<String, Integer> packages = new HashMap<>();
        Map<String, Integer> natives = new HashMap<>();
        int nativeTotal = 0;
        int total = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
            if (event.getEventType().getName().equals("jdk.NativeMethodSample")) {
                RecordedStackTrace stack = event.getStackTrace();
                if (stack != null && !stack.getFrames().isEmpty()) {
                    RecordedFrame top = stack.getFrames().get(0);
                    RecordedThread thread = event.getThread("sampledThread");
                    natives.merge(top.getMethod().getType().getName() + "." + top.getMethod().getName() + " in "
                            + (thread == null ? "?" : String.valueOf(thread.getJavaName()).replaceAll("[0-9]+", "N")),
                            1, Integer::sum);
                    nativeTotal++;
                }
                continue;
            }
            if (!event.getEventType().getName().equals("jdk.ExecutionSample")) {
                continue;
            }
            RecordedStackTrace stack = event.getStackTrace();
            if (stack == null || stack.getFrames().isEmpty()) {
                continue;
            }
            total++;
            RecordedFrame top = stack.getFrames().get(0);
            String method = top.getMethod().getType().getName() + "." + top.getMethod().getName();
            topFrames.merge(method, 1, Integer::sum);
            String type = top.getMethod().getType().getName();
            int cut = nthDot(type, 3);
            packages.merge(cut > 0 ? type.substring(0, cut) : type, 1, Integer::sum);
            RecordedThread thread = event.getThread("sampledThread");
            String threadName = thread == null ? "?" : String.valueOf(thread.getJavaName())
                    .replaceAll("[0-9]+", "N");
            threads.merge(threadName, 1, Integer::sum);
        }
        if (total == 0) {
            report.info("profile " + name + ": no execution samples");
            return;
        }
        print(report, "profile." + name + ".method", topFrames, total, 8);
        print(report, "profile." + name + ".package", packages, total, 5);
        print(report, "profile." + name + ".thread", threads, total, 5);
        if (nativeTotal > 0) {
            print(report, "profile." + name + ".blocked-in-native", natives, nativeTotal, 4);
        }
    }

    private static int nthDot(String text, int n) {
        int index = -1;
        for (int i = 0; i < n; i++) {
            index = text.indexOf('.', index + 1);
            if (index < 0) {
                return -1;
            }
        }
        return index;
    }

    private static void print(Report report, String prefix, Map<String, Integer> counts, int total, int limit) {
        List<Map.Entry<String, Integer>> top = counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(limit)
                .collect(Collectors.toList());
        int rank = 1;
        for (Map.Entry<String, Integer> entry : top) {
            report.line(prefix + "." + rank++, 100.0 * entry.getValue() / total, "% of " + total + " samples",
                    Double.NaN, entry.getKey());
        }
    }
}
