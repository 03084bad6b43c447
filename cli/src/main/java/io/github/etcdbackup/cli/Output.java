package io.github.etcdbackup.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.etcdbackup.health.HealthReport;
import io.github.etcdbackup.restore.RestorePlan;
import io.github.etcdbackup.restore.RestoreReport;
import io.github.etcdbackup.status.ModelStatus;
import io.github.etcdbackup.store.DrillReport;
import io.github.etcdbackup.store.PrunePlan;
import io.github.etcdbackup.store.StoreCheck;
import io.github.etcdbackup.StoredSnapshot;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prints results as text for people or, with {@code --json}, as one JSON document for scripts. The JSON shapes are
 * explicit maps, so that they change only when this class does, never with a record's internals.
 */
final class Output {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Option(names = "--json", description = "Print one JSON document instead of text.")
    boolean json;

    /** True when the output is for a script. */
    boolean json() {
        return json;
    }

    /** Prints {@code value} (maps, lists, strings and numbers) as JSON. */
    static void printJson(PrintWriter out, Object value) {
        try {
            out.println(JSON.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        out.flush();
    }

    static Map<String, Object> snapshot(StoredSnapshot s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("location", location(s.location()));
        m.put("sha256", s.sha256());
        m.put("sizeBytes", s.sizeBytes());
        m.put("unit", s.source().unit());
        m.put("actionId", s.source().actionId().orElse(null));
        m.put("remotePath", s.source().remotePath());
        m.put("keysVersion", s.source().keysVersion().name());
        m.put("etcdctlVersion", s.source().etcdctlVersion());
        m.put("apiVersion", s.source().apiVersion());
        m.put("takenAt", s.source().takenAt().toString());
        m.put("encrypted", s.encrypted());
        s.encryption().ifPresent(e -> {
            m.put("plaintextSha256", e.plaintextSha256());
            m.put("plaintextSizeBytes", e.plaintextSizeBytes());
            m.put("recipients", e.recipients().stream().map(Object::toString).toList());
        });
        return m;
    }

    /** A local path made absolute, so that a script can use it from any directory; other locations as they are. */
    private static String location(String location) {
        return location.contains("://") ? location : Path.of(location).toAbsolutePath().toString();
    }

    static String snapshotLine(StoredSnapshot s) {
        return s.name() + "  " + s.source().unit() + "  " + s.source().takenAt() + "  "
                + s.sizeBytes() + " bytes" + (s.encrypted() ? "  (age-encrypted)" : "");
    }

    static Map<String, Object> check(StoreCheck c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("location", location(c.location()));
        m.put("ok", c.ok());
        m.put("depth", c.depth().name());
        m.put("problems", c.problems());
        return m;
    }

    static Map<String, Object> health(HealthReport h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("unit", h.unit());
        m.put("healthy", h.allMembersHealthy());
        List<Map<String, Object>> members = new ArrayList<>();
        h.members().forEach(member -> {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("id", member.id());
            one.put("url", member.url());
            one.put("state", member.state().name());
            one.put("detail", member.detail());
            members.add(one);
        });
        m.put("members", members);
        m.put("clusterLine", h.clusterLine());
        return m;
    }

    static Map<String, Object> status(ModelStatus s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", s.name());
        m.put("jujuVersion", s.jujuVersion());
        List<Map<String, Object>> applications = new ArrayList<>();
        s.applications().forEach(a -> {
            Map<String, Object> app = new LinkedHashMap<>();
            app.put("name", a.name());
            app.put("charm", a.charmName());
            app.put("channel", a.charmChannel());
            app.put("status", a.status());
            app.put("message", a.message());
            List<Map<String, Object>> units = new ArrayList<>();
            a.units().forEach(u -> {
                Map<String, Object> unit = new LinkedHashMap<>();
                unit.put("name", u.name());
                unit.put("workload", u.workload());
                unit.put("message", u.workloadMessage());
                unit.put("leader", u.leader());
                units.add(unit);
            });
            app.put("units", units);
            applications.add(app);
        });
        m.put("applications", applications);
        return m;
    }

    static Map<String, Object> drill(DrillReport d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("location", location(d.snapshot().location()));
        m.put("passed", d.passed());
        m.put("failure", d.failure().name());
        m.put("keyCount", d.keyCount());
        m.put("prefixCounts", d.prefixCounts());
        m.put("problems", d.problems());
        m.put("elapsedMillis", d.elapsed().toMillis());
        return m;
    }

    static Map<String, Object> prune(PrunePlan p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("executed", p.executed());
        m.put("keep", p.keep().stream().map(s -> location(s.location())).toList());
        m.put("delete", p.delete().stream().map(s -> location(s.location())).toList());
        m.put("unverified", p.unverified().stream().map(Output::check).toList());
        return m;
    }

    static Map<String, Object> plan(RestorePlan plan) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("archive", plan.snapshot().file().toAbsolutePath().toString());
        m.put("target", plan.targetApplication());
        m.put("path", plan.path().name());
        List<Map<String, Object>> steps = new ArrayList<>();
        for (int i = 0; i < plan.steps().size(); i++) {
            Map<String, Object> step = new LinkedHashMap<>();
            step.put("index", i + 1);
            step.put("title", plan.steps().get(i).title());
            step.put("command", plan.steps().get(i).command());
            steps.add(step);
        }
        m.put("steps", steps);
        return m;
    }

    static Map<String, Object> report(RestoreReport report) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("target", report.plan().targetApplication());
        m.put("completed", report.completed());
        List<Map<String, Object>> steps = new ArrayList<>();
        report.outcomes().forEach(o -> {
            Map<String, Object> step = new LinkedHashMap<>();
            step.put("index", o.index() + 1);
            step.put("title", o.step().title());
            step.put("result", o.result().name());
            step.put("error", o.error().map(Throwable::getMessage).orElse(null));
            steps.add(step);
        });
        m.put("steps", steps);
        return m;
    }
}
