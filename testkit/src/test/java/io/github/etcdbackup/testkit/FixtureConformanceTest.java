package io.github.etcdbackup.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.etcdbackup.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs every fixture's command against the simulator playing the fixture's Juju version and checks that the
 * output has the fixture's shape: same keys and value types, same YAML layout, same exit code, same stderr lines
 * (numbers aside). Each model is set up like the one the fixtures describe: etcd with easyrsa, calico and the
 * control plane related, a {@code new-etcd} application with an attached snapshot for restore.
 */
@Timeout(300)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FixtureConformanceTest {
    private static final Pattern ID = Pattern.compile("id: \"(\\d+)\"");

    @TempDir
    static Path dir;
    private JujuSimulator juju29;
    private JujuSimulator juju3;
    private JujuSimulator juju3SingleUnit;

    @BeforeAll
    void startModels() throws Exception {
        juju29 = model("2.9.45", dir.resolve("juju29"), 3);
        juju3 = model("3.4.2", dir.resolve("juju3"), 3);
        juju3SingleUnit = model("3.4.2", dir.resolve("juju3-single"), 1);
        for (JujuSimulator sim : List.of(juju29, juju3)) {
            sim.deploy("etcd", "new-etcd", 1);
            sim.integrate("new-etcd", "easyrsa");
            Path archive = takeSnapshotArchive(sim);
            CommandResult attach = Juju.run(sim, "attach-resource", "new-etcd", "snapshot=" + archive);
            assertThat(attach.exitCode()).as(attach.stderr()).isZero();
        }
    }

    private static JujuSimulator model(String version, Path workDir, int etcdUnits) {
        JujuSimulator sim = JujuSimulator.builder().jujuVersion(version).workDir(workDir).build();
        sim.deploy("etcd", etcdUnits);
        sim.deploy("easyrsa", 1);
        sim.deploy("calico", 1);
        sim.deploy("kubernetes-control-plane", 1);
        sim.integrate("etcd", "easyrsa");
        sim.integrate("etcd", "calico");
        sim.integrate("etcd", "kubernetes-control-plane");
        sim.cluster("etcd").unit(0).put("/registry/namespaces/default", "{}");
        return sim;
    }

    /** A real snapshot of the etcd application, fetched with {@code juju scp} into the work dir. */
    private Path takeSnapshotArchive(JujuSimulator sim) throws Exception {
        Path local = Files.createDirectories(sim.workDir().resolve("downloads"));
        CommandResult snapshot = sim.jujuVersion().startsWith("2.")
                ? Juju.run(sim, "run-action", "etcd/0", "snapshot", "keys-version=v3", "--wait")
                : Juju.run(sim, "run", "etcd/0", "snapshot", "keys-version=v3", "--format", "yaml");
        Matcher path = Pattern.compile("path: (/\\S+)").matcher(snapshot.stdoutText());
        assertThat(path.find()).as(snapshot.stdoutText()).isTrue();
        CommandResult scp = Juju.run(sim, local, null, "scp", "etcd/0:" + path.group(1), ".");
        assertThat(scp.exitCode()).as(scp.stderr()).isZero();
        return local.resolve(Path.of(path.group(1)).getFileName());
    }

    @AfterAll
    void stopModels() {
        for (JujuSimulator sim : new JujuSimulator[] {juju29, juju3, juju3SingleUnit}) {
            if (sim != null) {
                sim.close();
            }
        }
        assertThat(LeftoverProcesses.etcdOrSshdUnder(dir)).isEmpty();
    }

    List<String> fixtures() {
        List<String> names = new ArrayList<>();
        Iterator<String> it = Fixtures.expectedFiles().fieldNames();
        it.forEachRemaining(names::add);
        return names;
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void simulatorOutputHasTheFixturesShape(String fixture) {
        JsonNode expected = Fixtures.expectedFiles().get(fixture);
        String kind = expected.path("kind").asText();
        JujuSimulator sim = fixture.startsWith("2.9") || fixture.contains("-2.9") || fixture.equals("version-2.9.txt")
                ? juju29 : fixture.equals("status-3.x-etcd-1-unit.yaml") ? juju3SingleUnit : juju3;
        CommandResult result;
        try {
            result = runScenario(sim, fixture, expected.path("command").asText());
        } finally {
            sim.clearFaults();
        }
        String want = Fixtures.text(fixture);
        String got = result.stdoutText();
        assertThat(result.exitCode()).as("exit code of %s; stderr %s", fixture, result.stderr())
                .isEqualTo(expected.path("cliExitCode").asInt());
        switch (kind) {
            case "version" -> assertThat(got).matches(want.replaceAll("[0-9]+\\.[0-9]+\\.[0-9]+", "[0-9.]+")
                    .replace("\n", "\\n"));
            case "action-queued" -> assertThat(got).matches("Action queued with id: \"[0-9]+\"\\n");
            case "action-plain" -> {
                String wantYaml = want.substring(0, want.indexOf("\n\n") + 1);
                String gotYaml = got.substring(0, got.indexOf("\n\n") + 1);
                assertThat(OutputShape.yamlLayout(gotYaml)).isEqualTo(OutputShape.yamlLayout(wantYaml));
                assertThat(OutputShape.textLines(got.substring(got.indexOf("\n\n"))))
                        .hasSameSizeAs(OutputShape.textLines(want.substring(want.indexOf("\n\n"))));
            }
            default -> {
                if (fixture.endsWith(".json")) {
                    assertThat(got).endsWith("\n").doesNotContain("\n  ");
                    assertThat(got.strip()).doesNotContain("\n");
                    assertThat(OutputShape.jsonTree(got)).isEqualTo(OutputShape.jsonTree(want));
                } else {
                    assertThat(OutputShape.yamlTree(got)).isEqualTo(OutputShape.yamlTree(want));
                    assertThat(OutputShape.yamlLayout(got)).isEqualTo(OutputShape.yamlLayout(want));
                }
            }
        }
        if (expected.has("stderrFile")) {
            assertThat(OutputShape.textLines(result.stderr()))
                    .isEqualTo(OutputShape.textLines(Fixtures.text(expected.path("stderrFile").asText())));
        }
    }

    /** The fixture's command, with the model set up as the fixture's note says and ids taken from this model. */
    private CommandResult runScenario(JujuSimulator sim, String fixture, String command) {
        String bare = command.replaceFirst("^juju ", "").replaceFirst(" {2,}\\(.*$", "").trim();
        if (fixture.contains("legacy-result-map")) {
            sim.legacyHealthAction(true);
        }
        if (fixture.contains("snapshot-crashed")) {
            sim.dataOnAttachedStorage("etcd/0", true);
        }
        if (bare.startsWith("show-action-output")) {
            String id = queuedId(Juju.run(sim, "run-action", "etcd/0", "snapshot", "keys-version=v3"));
            return Juju.run(sim, "show-action-output", id, "--wait=2m");
        }
        if (bare.startsWith("show-task")) {
            CommandResult run = Juju.run(sim, "run", "etcd/0", "snapshot", "keys-version=v3", "--format", "yaml");
            Matcher id = ID.matcher(run.stdoutText());
            assertThat(id.find()).isTrue();
            return Juju.run(sim, "show-task", id.group(1), "--format", "yaml");
        }
        return Juju.run(sim, bare.split(" "));
    }

    private static String queuedId(CommandResult queued) {
        Matcher id = Pattern.compile("id: \"(\\d+)\"").matcher(queued.stdoutText());
        assertThat(id.find()).as(queued.stdoutText()).isTrue();
        return id.group(1);
    }

    @Test
    void fixturesCoverBothVersions() {
        assertThat(fixtures()).anyMatch(f -> f.startsWith("2.9")).anyMatch(f -> f.startsWith("3.x"));
    }
}
