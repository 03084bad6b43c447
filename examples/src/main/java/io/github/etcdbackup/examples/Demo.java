package io.github.etcdbackup.examples;

import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.health.HealthReport;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.health.MemberHealth;
import io.github.etcdbackup.restore.RestoreOptions;
import io.github.etcdbackup.restore.RestorePlan;
import io.github.etcdbackup.restore.RestoreReport;
import io.github.etcdbackup.testkit.JujuSimulator;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The main job, end to end, on a local simulated Juju model whose three etcd units are real etcd processes: load
 * Kubernetes-like keys, back them up through the juju CLI, check health member by member, restore into a new
 * application, and prove the keys are back.
 *
 * <p>Usage: {@code Demo [juju-version] [work-dir]} (default 3.4.2 and a new temp dir).
 */
public final class Demo {
    /** How many {@code /registry/...} keys the demo cluster holds. */
    static final int KEYS = 3000;

    private Demo() {
    }

    /** Runs the demo. */
    public static void main(String[] args) throws IOException {
        String jujuVersion = args.length > 0 ? args[0] : "3.4.2";
        Path work = args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("etcd-backup-demo-");
        if (!run(jujuVersion, work, System.out, Duration.ofSeconds(1))) {
            throw new IllegalStateException("the demo did not restore every key; see the report above");
        }
    }

    /** The demo's work; true when the restored application holds every key. */
    public static boolean run(String jujuVersion, Path work, PrintStream out, Duration pollInterval) {
        out.println("Starting a Juju " + jujuVersion + " model simulator in " + work);
        try (JujuSimulator sim = JujuSimulator.builder().jujuVersion(jujuVersion).workDir(work.resolve("model"))
                .build()) {
            sim.deploy("etcd", 3);
            sim.deploy("easyrsa", 1);
            sim.deploy("kubernetes-control-plane", 1);
            sim.deploy("calico", 0);
            sim.integrate("etcd", "easyrsa");
            sim.integrate("etcd", "kubernetes-control-plane");
            sim.integrate("etcd", "calico");
            sim.unit("etcd/0").putAll(kubernetesLikeKeys());
            out.println("etcd/0 holds " + sim.unit("etcd/0").count("/registry/") + " keys under /registry/");
            // The charm's snapshot copies the live bbolt file, which etcd commits every 100 ms: give the last
            // writes time to leave the WAL, or the archive would miss them (as it would on a real unit).
            pause(Duration.ofSeconds(1));

            JujuCliTransport juju = JujuCliTransport.builder().executable(sim.jujuExecutable()).build();
            try (EtcdBackupClient client = EtcdBackupClient.builder().transport(juju)
                    .listener(new ConsoleProgress(out)).timeout(Duration.ofMinutes(5)).build()) {
                out.println("juju version: " + juju.version());

                LocalSnapshot backup = client.backup("etcd/leader", work.resolve("backups"));
                out.println("Snapshot as the unit reported it:\n  " + backup.source());
                out.println("Verified local archive:\n  " + backup);

                HealthReport health = client.health("etcd/0");
                for (MemberHealth member : health.members()) {
                    out.printf("  member %s %s at %s%n", member.id(), member.state(), member.url());
                }
                out.println("  all members healthy: " + health.allMembersHealthy());

                RestorePlan plan = client.planRestore(backup, RestoreOptions.juju()
                        .targetApplication("new-etcd").pollInterval(pollInterval).build());
                out.println(plan.describe());
                RestoreReport report = client.restore(plan);
                out.println(report.describe());
                if (!report.completed()) {
                    return false;
                }
            }
            long restoredKeys = sim.unit("new-etcd/0").count("/registry/");
            out.println("new-etcd/0 holds " + restoredKeys + " keys under /registry/ (expected " + KEYS + ")");
            return restoredKeys == KEYS;
        }
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static Map<String, String> kubernetesLikeKeys() {
        Map<String, String> keys = new LinkedHashMap<>();
        String[] kinds = {"pods", "services/specs", "configmaps", "secrets", "deployments"};
        for (int i = 0; i < KEYS; i++) {
            String kind = kinds[i % kinds.length];
            keys.put("/registry/" + kind + "/default/object-" + i,
                    "{\"kind\":\"" + kind + "\",\"metadata\":{\"name\":\"object-" + i + "\"}}");
        }
        return keys;
    }
}
