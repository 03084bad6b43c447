package io.github.etcdbackup.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Collects timings and prints them as {@code name: value unit (ratio x)} lines, each followed by how it was measured
 * (median of n, min..max). Goals are only printed, never asserted.
 */
final class Report {
    /** A body to time. */
    interface Body {
        void run() throws Exception;
    }

    private final Map<String, List<Double>> samples = new LinkedHashMap<>();
    private final List<String> goals = new ArrayList<>();
    private final List<Double> loads = new ArrayList<>();
    private int met;

    /**
     * Runs {@code body} once and records its wall time under {@code name}. The disk's write-back queue is emptied
     * first, off the clock: otherwise a timing pays for the write-back of what the timing before it wrote (a 2 GiB
     * download leaves gigabytes of dirty pages, deleted or not), and which variant pays would depend on their order.
     */
    double time(String name, Body body) throws Exception {
        Benchmarks.run(List.of("sync"), null);
        long start = System.nanoTime();
        body.run();
        double seconds = (System.nanoTime() - start) / 1e9;
        samples.computeIfAbsent(name, k -> new ArrayList<>()).add(seconds);
        System.out.printf(Locale.ROOT, "  . %s: %.3f s%n", name, seconds);
        System.out.flush();
        return seconds;
    }

    void record(String name, double seconds) {
        samples.computeIfAbsent(name, k -> new ArrayList<>()).add(seconds);
    }

    List<Double> samples(String name) {
        return samples.getOrDefault(name, List.of());
    }

    double median(String name) {
        return median(samples(name));
    }

    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** "median of 3: 8.61 s (min 8.40, max 9.10, spread ±4 %)". */
    String spread(String name) {
        List<Double> values = samples(name);
        if (values.isEmpty()) {
            return "no sample";
        }
        double min = Collections.min(values);
        double max = Collections.max(values);
        double median = median(values);
        return String.format(Locale.ROOT, "median of %d: %s s (min %s, max %s, spread ±%.0f %%)", values.size(),
                num(median), num(min), num(max), median == 0 ? 0 : 50 * (max - min) / median);
    }

    /** A throughput line: MB/s of the median, ratio = median seconds of {@code baseline} / median seconds here. */
    double rate(String label, String name, long bytes, String baseline) {
        double seconds = median(name);
        double ratio = baseline == null ? Double.NaN : median(baseline) / seconds;
        line(label, bytes / 1e6 / seconds, "MB/s", ratio, spread(name));
        return ratio;
    }

    /** A time line: median seconds, ratio = median here / median of {@code baseline} (how many times slower). */
    double seconds(String label, String name, String baseline, double scale, String unit) {
        double value = median(name) * scale;
        double ratio = baseline == null ? Double.NaN : median(name) / median(baseline);
        line(label, value, unit, ratio, spread(name));
        return ratio;
    }

    void line(String name, double value, String unit, double ratio, String detail) {
        StringBuilder out = new StringBuilder(name).append(": ").append(num(value)).append(' ').append(unit);
        if (!Double.isNaN(ratio)) {
            out.append(" (").append(String.format(Locale.ROOT, "%.2f", ratio)).append(" x)");
        }
        if (detail != null && !detail.isEmpty()) {
            out.append("  -- ").append(detail);
        }
        System.out.println(out);
        System.out.flush();
    }

    void info(String text) {
        System.out.println("# " + text);
        System.out.flush();
    }

    void section(String title) {
        double load = loadAverage();
        loads.add(load);
        System.out.println();
        System.out.printf(Locale.ROOT, "## %s   (load average 1 min: %.2f)%n", title, load);
        System.out.flush();
    }

    /** Records a goal; printed as a line now and counted in the summary. */
    void goal(String id, String what, double ratio, double threshold, String cause) {
        boolean ok = !Double.isNaN(ratio) && ratio >= threshold;
        if (ok) {
            met++;
        }
        String text = String.format(Locale.ROOT, "%s %s %.2f x vs >= %.2f x", id, ok ? "MET" : "MISSED", ratio,
                threshold);
        goals.add(text);
        line("goal " + id, ratio, "x", Double.NaN, (ok ? "MET" : "MISSED") + ": " + what + ", goal >= "
                + threshold + " x" + (ok || cause == null ? "" : "; " + cause));
    }

    void goalBoolean(String id, String what, boolean ok, String detail) {
        if (ok) {
            met++;
        }
        goals.add(id + " " + (ok ? "MET" : "MISSED"));
        System.out.println("goal " + id + ": " + (ok ? "MET" : "MISSED") + "  -- " + what + "; " + detail);
        System.out.flush();
    }

    void summary(Duration elapsed) {
        double load = loadAverage();
        loads.add(load);
        double min = loads.stream().mapToDouble(Double::doubleValue).min().orElse(load);
        double max = loads.stream().mapToDouble(Double::doubleValue).max().orElse(load);
        System.out.println();
        System.out.printf(Locale.ROOT, "summary: %d of %d goals met [%s]; %d MiB archive, %d rounds, run took %d s,"
                        + " load average 1 min %.2f..%.2f on %d cores%n", met, goals.size(), String.join("; ", goals),
                Benchmarks.MIB, Benchmarks.ROUNDS, elapsed.toSeconds(), min, max,
                Runtime.getRuntime().availableProcessors());
        System.out.flush();
    }

    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    static String num(double value) {
        if (Double.isNaN(value)) {
            return "n/a";
        }
        double abs = Math.abs(value);
        if (abs >= 100) {
            return String.format(Locale.ROOT, "%.0f", value);
        }
        if (abs >= 10) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        if (abs >= 0.1) {
            return String.format(Locale.ROOT, "%.2f", value);
        }
        return String.format(Locale.ROOT, "%.4f", value);
    }
}
