package io.github.etcdbackup.transport.ssh;

import io.github.etcdbackup.testkit.EtcdUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A stand-in for systemctl on test machines without systemd, so that the restore's stop and start steps act on the
 * real etcd processes. Over SSH the transport runs {@code <dir>/systemctl stop|start -- etcd-N}; the script drops a
 * request file and waits for the answer, and a thread of this class stops or starts that unit through the testkit
 * (which keeps tracking the process) and writes the pid file {@code is-active} checks with {@code kill -0}: the
 * state the restore reads back is the real process's.
 */
final class FakeSystemctl implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FakeSystemctl.class);

    private final Path dir;
    private final Map<String, EtcdUnit> units;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread worker;

    private FakeSystemctl(Path dir, Map<String, EtcdUnit> units) {
        this.dir = dir;
        this.units = units;
        this.worker = new Thread(this::serve, "fake-systemctl");
        worker.setDaemon(true);
    }

    /** Installs the script in {@code dir} for these units (service names {@code etcd-<number>}) and starts serving. */
    static FakeSystemctl start(Path dir, List<EtcdUnit> units) {
        try {
            Files.createDirectories(dir);
            Path script = dir.resolve("systemctl");
            Files.writeString(script, script(dir));
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        FakeSystemctl control = new FakeSystemctl(dir,
                units.stream().collect(Collectors.toMap(FakeSystemctl::service, Function.identity())));
        control.units.forEach((service, unit) -> control.writePid(service, unit));
        control.worker.start();
        return control;
    }

    /** The service name of a unit in the layout. */
    static String service(EtcdUnit unit) {
        return "etcd-" + unit.number();
    }

    /** The script's path, for {@link UnitLayout#withSystemctl(String)}. */
    String path() {
        return dir.resolve("systemctl").toString();
    }

    private static String script(Path dir) {
        return "#!/bin/sh\n"
                + "# systemctl stand-in: stop|start|is-active [--quiet] -- SERVICE (the last argument)\n"
                + "dir='" + dir + "'\n"
                + "for service; do :; done\n"
                + "case \"$1\" in\n"
                + "  is-active) pid=$(cat \"$dir/$service.pid\" 2>/dev/null) && kill -0 \"$pid\" 2>/dev/null"
                + " && exit 0; exit 3 ;;\n"
                + "  stop|start)\n"
                + "    request=\"$dir/$service.$1.$$\"\n"
                + "    : > \"$request.request\"\n"
                + "    n=0\n"
                + "    while [ ! -e \"$request.done\" ]; do\n"
                + "      sleep 0.1; n=$((n + 1)); [ \"$n\" -lt 600 ] || { echo \"no answer for $1\" >&2; exit 1; }\n"
                + "    done\n"
                + "    rc=$(cat \"$request.done\"); rm -f \"$request.done\"; exit \"$rc\" ;;\n"
                + "  *) echo \"unknown action $1\" >&2; exit 2 ;;\n"
                + "esac\n";
    }

    private void serve() {
        while (running.get()) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path request : files.filter(f -> f.toString().endsWith(".request")).toList()) {
                    answer(request);
                }
                Thread.sleep(50);
            } catch (IOException e) {
                LOG.warn("fake systemctl cannot read {}", dir, e);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void answer(Path request) throws IOException {
        String name = request.getFileName().toString();
        String[] parts = name.split("\\.");
        String service = parts[0];
        String action = parts[1];
        int rc = 0;
        EtcdUnit unit = units.get(service);
        try {
            if (unit == null) {
                rc = 5;
            } else if (action.equals("stop")) {
                unit.stop();
            } else {
                unit.start();
            }
        } catch (RuntimeException e) {
            LOG.warn("fake systemctl {} {} failed", action, service, e);
            rc = 1;
        }
        if (unit != null) {
            writePid(service, unit);
        }
        Files.delete(request);
        String base = name.substring(0, name.length() - ".request".length());
        Path done = dir.resolve(base + ".done.part");
        Files.writeString(done, Integer.toString(rc));
        Files.move(done, dir.resolve(base + ".done"));
    }

    private void writePid(String service, EtcdUnit unit) {
        Path pid = dir.resolve(service + ".pid");
        try {
            if (unit.pid().isPresent()) {
                Files.writeString(pid, unit.pid().get().toString());
            } else {
                Files.deleteIfExists(pid);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        running.set(false);
        worker.interrupt();
        try {
            worker.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
