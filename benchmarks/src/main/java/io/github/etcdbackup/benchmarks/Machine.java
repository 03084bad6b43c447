package io.github.etcdbackup.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The machine description printed at the top of a run (and copied into RESULTS.md). */
final class Machine {
    private Machine() {
    }

    static List<String> describe() {
        List<String> lines = new ArrayList<>();
        lines.add("machine: nproc " + Runtime.getRuntime().availableProcessors() + ", CPU " + cpuModel()
                + ", SHA extensions " + (cpuFlags().contains(" sha_ni") ? "yes" : "no")
                + ", AES-NI " + (cpuFlags().contains(" aes") ? "yes" : "no") + ", memory " + memTotal());
        lines.add("jdk: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + " (" + System.getProperty("java.vendor") + ")");
        lines.add("openssh: " + Benchmarks.output("ssh", "-V"));
        lines.add("etcd: " + Benchmarks.output("etcd", "--version").lines().findFirst().orElse("?"));
        lines.add("kernel: " + Benchmarks.output("uname", "-sr") + "; load average at start: "
                + Benchmarks.output("cat", "/proc/loadavg"));
        return lines;
    }

    private static String cpuModel() {
        return cpuinfo("model name");
    }

    private static String cpuFlags() {
        return " " + cpuinfo("flags") + " ";
    }

    private static String cpuinfo(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith(key)) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException e) {
            return "?";
        }
        return "?";
    }

    private static String memTotal() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    long kib = Long.parseLong(line.split("\\s+")[1]);
                    return String.format(java.util.Locale.ROOT, "%.1f GiB", kib / 1024.0 / 1024.0);
                }
            }
        } catch (IOException | RuntimeException e) {
            return "?";
        }
        return "?";
    }
}
