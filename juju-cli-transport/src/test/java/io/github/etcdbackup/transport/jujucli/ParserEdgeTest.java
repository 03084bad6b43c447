package io.github.etcdbackup.transport.jujucli;

import io.github.etcdbackup.status.ModelStatus;
import io.github.etcdbackup.exception.OutputParseException;
import io.github.etcdbackup.testing.Fixtures;
import io.github.etcdbackup.transport.jujucli.internal.ActionOutputParser;
import io.github.etcdbackup.transport.jujucli.internal.StatusParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Shapes the fixtures do not cover: other Juju eras, several units, unknown keys, hostile documents. */
@Timeout(30)
class ParserEdgeTest {
    @Test
    void juju26OutputWithAUuidAndNoUnitAndNoResults() {
        List<ActionResult> tasks = ActionOutputParser.parse("""
                id: 0b6f4a2e-3c1d-4b8e-9f00-6c3e1d2a7b55
                status: completed
                timing:
                  completed: 2019-05-02 10:00:01 +0000 UTC
                """);
        assertThat(tasks).singleElement().satisfies(task -> {
            assertThat(task.unit()).isEmpty();
            assertThat(task.id()).hasValue("0b6f4a2e-3c1d-4b8e-9f00-6c3e1d2a7b55");
            assertThat(task.results()).isEmpty();
            assertThat(task.returnCode()).isEmpty();
            assertThat(task.succeeded()).isTrue();
        });
    }

    @Test
    void severalUnitsAreOrderedByApplicationThenUnitNumberWithUnknownKeysIgnored() {
        List<ActionResult> tasks = ActionOutputParser.parse("""
                unit-etcd-10:
                  status: completed
                  id: "31"
                  future-key: {nested: [1, 2]}
                  results: {output: ten}
                unit-etcd-2:
                  UnitId: etcd/2
                  id: "30"
                  status: running
                unit-new-etcd-0:
                  id: "32"
                  status: failed
                  message: exit status 2
                  results:
                    Code: "2"
                    Stderr: boom
                """);
        assertThat(tasks).extracting(t -> t.unit().orElseThrow())
                .containsExactly("etcd/2", "etcd/10", "new-etcd/0");
        assertThat(tasks.get(0).finished()).isFalse();
        assertThat(tasks.get(1).results()).isEqualTo(Map.of("output", "ten"));
        assertThat(tasks.get(2).returnCode()).hasValue(2);
        assertThat(tasks.get(2).stderr()).isEqualTo("boom");
        assertThat(tasks.get(2).results()).isEmpty();
    }

    @Test
    void capturedOutputIsKeptAndBase64IsDecoded() {
        List<ActionResult> tasks = ActionOutputParser.parse(Fixtures.text("2.9-run-action-snapshot-v3.yaml"));
        assertThat(tasks.get(0).stdout()).isEqualTo("./\n./db\n");
        assertThat(tasks.get(0).stderr()).startsWith("++ action-get target\n");
        ActionResult encoded = ActionOutputParser.parse("""
                {"etcd/0":{"id":"8","results":{"return-code":0,"stdout":"w7/Dv8O/","stdout-encoding":"base64",\
                "note":"\\u003cb\\u003e \\u0026"},"status":"completed","unit":"etcd/0"}}
                """).get(0);
        assertThat(encoded.stdout()).isEqualTo("ÿÿÿ");
        assertThat(encoded.results()).isEqualTo(Map.of("note", "<b> &"));
    }

    @Test
    void nestedResultsAreReadByTheDottedKeyTheCharmSetThem() {
        Map<String, List<String>> pathAndSize = Map.of(
                "2.9-run-action-snapshot-v3.yaml", List.of("etcd-snapshot-2024-03-12-10.15.40.tar.gz", "4.2M"),
                "3.x-run-snapshot-v3.yaml", List.of("etcd-snapshot-2024-05-21-14.02.11.tar.gz", "21M"));
        pathAndSize.forEach((fixture, expected) -> {
            ActionResult task = ActionOutputParser.parse(Fixtures.text(fixture)).get(0);
            String path = "/home/ubuntu/etcd-snapshots/" + expected.get(0);
            assertThat(task.result("snapshot.path")).as(fixture).hasValue(path);
            assertThat(task.result("snapshot.version")).as(fixture)
                    .hasValue("etcdctl version: 3.4.22\nAPI version: 3.4");
            assertThat(task.result("snapshot")).as("a group of results, not one value").isEmpty();
            assertThat(task.result("snapshot.path.more")).isEmpty();
            assertThat(task.result("no-such-key")).isEmpty();
            assertThat(task.flatResults()).as(fixture).containsEntry("snapshot.path", path)
                    .containsEntry("snapshot.size", expected.get(1))
                    .doesNotContainKeys("stdout", "stderr", "return-code");
        });
    }

    @Test
    void juju29sStdoutEncodingKeyIsJujusNotTheCharmsAndDecodesTheOutput() {
        // 2.9 names the captured output's fields after Go's struct (Stdout, StdoutEncoding), 3.x in kebab case.
        ActionResult task = ActionOutputParser.parse("""
                unit-etcd-0:
                  UnitId: etcd/0
                  id: "9"
                  results:
                    Code: "0"
                    Stdout: w7/Dv8O/
                    StdoutEncoding: base64
                    Stderr: boom
                    StderrEncoding: utf8
                    snapshot:
                      path: /home/ubuntu/a.tar.gz
                  status: completed
                """).get(0);
        assertThat(task.stdout()).isEqualTo("ÿÿÿ");
        assertThat(task.stderr()).isEqualTo("boom");
        assertThat(task.flatResults()).containsOnlyKeys("snapshot.path");
    }

    @Test
    void yamlBombsAndDeepNestingAreParseErrors() {
        StringBuilder bomb = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (char c = 'b'; c <= 'z'; c++) {
            char p = (char) (c - 1);
            bomb.append(c).append(": &").append(c).append(" [*").append(p).append(",*").append(p).append(",*")
                    .append(p).append(",*").append(p).append(",*").append(p).append(",*").append(p).append("]\n");
        }
        assertThatThrownBy(() -> ActionOutputParser.parse(bomb.toString())).isInstanceOf(OutputParseException.class);
        String deep = "a: ".repeat(0) + "[".repeat(5000) + "]".repeat(5000);
        assertThatThrownBy(() -> ActionOutputParser.parse(deep)).isInstanceOf(OutputParseException.class);
        assertThatThrownBy(() -> StatusParser.parse("{" + "\"a\":{".repeat(3000) + "}".repeat(3001)))
                .isInstanceOf(OutputParseException.class);
        assertThatThrownBy(() -> ActionOutputParser.parse("etcd/0:\n  status: completed\n  status: failed\n"))
                .isInstanceOf(OutputParseException.class);
    }

    @Test
    void outputThatIsNotAnActionResultIsAParseError() {
        for (String text : List.of("[1, 2]", "just text", "etcd/0: 5", "etcd/0:\n  id: \"1\"\n",
                "etcd/0:\n  status: completed\n  results:\n    return-code: abc\n", "etcd/0:\n  status: completed\n  results: [x]\n")) {
            assertThatThrownBy(() -> ActionOutputParser.parse(text)).as(text)
                    .isInstanceOfSatisfying(OutputParseException.class, e -> assertThat(e.rawOutput()).isEqualTo(text));
        }
    }

    @Test
    void statusNamesCharmsNotApplicationsAndReadsBothRelationShapes() {
        ModelStatus status = StatusParser.parse("""
                model: {name: k8s, version: 3.1.6, unknown: x}
                applications:
                  kubernetes-master:
                    charm: kubernetes-control-plane
                    charm-name: kubernetes-control-plane
                    charm-rev: "1"
                    base: {name: ubuntu, channel: "20.04"}
                    relations:
                      etcd:
                      - related-application: etcd
                        interface: etcd
                        scope: global
                    units:
                      kubernetes-master/1: {workload-status: {current: active}}
                      kubernetes-master/0: {workload-status: {current: active}, leader: true}
                """);
        assertThat(status.applicationsOfCharm("kubernetes-control-plane")).singleElement().satisfies(app -> {
            assertThat(app.name()).isEqualTo("kubernetes-master");
            assertThat(app.base()).isEqualTo("ubuntu@20.04");
            assertThat(app.relations()).containsEntry("etcd", List.of("etcd"));
            assertThat(app.leader().orElseThrow().name()).isEqualTo("kubernetes-master/0");
            assertThat(app.units().get(1).openPorts()).isEmpty();
            assertThat(app.charmRevision()).hasValue(1);
        });
        assertThatThrownBy(() -> StatusParser.parse("applications: {}\n")).isInstanceOf(OutputParseException.class);
    }
}
