package io.github.etcdbackup.transport.jujucli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.status.ModelStatus;
import io.github.etcdbackup.exception.OutputParseException;
import io.github.etcdbackup.internal.common.InputValidation;
import io.github.etcdbackup.internal.common.Shell;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.ModelCommands;
import io.github.etcdbackup.spi.ModelOperations;
import io.github.etcdbackup.transport.jujucli.ActionResult;
import io.github.etcdbackup.transport.jujucli.JujuVersion;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The model operations of the juju-cli transport: one {@code juju} command each, argv only. Each operation's argv is
 * built by one method that {@link #commands(Deadline)} also prints from, so a plan shows what runs, in the dialect
 * of the client's version.
 */
public final class JujuModelOperations implements ModelOperations {
    private static final Pattern CHARM = Pattern.compile("(?:ch:|cs:)?[a-z][a-z0-9-]{0,63}");
    private static final Pattern UBUNTU_BASE = Pattern.compile("ubuntu@(\\d{2}\\.\\d{2})");
    private static final Pattern SERIES = Pattern.compile("[a-z]{3,20}");
    private static final Pattern ENDPOINT = Pattern.compile("[a-z][a-z0-9-]{0,63}");
    private static final Pattern CONFIG_KEY = Pattern.compile("[a-z][a-z0-9_-]{0,63}");
    private static final Pattern RESOURCE = Pattern.compile("[a-z][a-z0-9_-]{0,63}");
    private static final Pattern PLAIN_REMOTE_PATH = Pattern.compile("/[A-Za-z0-9._/-]{1,255}");
    /** Ubuntu releases the etcd charm has run on: Juju 2.9 speaks series, 3.x speaks bases. */
    private static final Map<String, String> SERIES_OF_UBUNTU = Map.of("18.04", "bionic", "20.04", "focal",
            "22.04", "jammy", "24.04", "noble");

    /** The etcd charm's action a restore runs on the leader. */
    static final String RESTORE = "restore";
    /** The control plane charm's action that restarts its Kubernetes services. */
    static final String RESTART = "restart";
    /** The etcd charm's action that prints etcdctl's health of the cluster. */
    public static final String HEALTH = "health";

    private final JujuCli cli;

    /** @param cli the command vocabulary to use */
    public JujuModelOperations(JujuCli cli) {
        this.cli = cli;
    }

    @Override
    public ModelCommands commands(Deadline deadline) {
        return new JujuCommands(cli.version(deadline));
    }

    @Override
    public ModelStatus status(Deadline deadline) {
        CommandResult result = cli.runOrFail(statusArgv(), deadline, "juju status");
        return StatusParser.parse(result.stdout());
    }

    private List<String> statusArgv() {
        return cli.argv("status", "--format", "yaml");
    }

    @Override
    public void deploy(String charm, String application, String channel, String base, Map<String, String> config,
                       Deadline deadline) {
        cli.runOrFail(deployArgv(charm, application, channel, base, config, () -> cli.version(deadline)), deadline,
                "deploy " + application);
    }

    private List<String> deployArgv(String charm, String application, String channel, String base,
                                    Map<String, String> config, Supplier<JujuVersion> version) {
        matching("charm", charm, CHARM);
        InputValidation.application(application);
        if (!channel.isEmpty()) {
            InputValidation.channel("channel", channel);
        }
        if (!base.isEmpty() && !UBUNTU_BASE.matcher(base).matches()) {
            matching("base", base, SERIES);
        }
        List<String> settings = new ArrayList<>();
        new TreeMap<>(config).forEach((key, value) -> {
            settings.add("--config");
            settings.add(matching("config key", key, CONFIG_KEY) + "=" + plainValue("config value", value));
        });
        List<String> argv = cli.argv("deploy", charm, application);
        if (!channel.isEmpty()) {
            argv.add("--channel");
            argv.add(channel);
        }
        if (!base.isEmpty()) {
            argv.addAll(baseFlag(base, version.get().runsActionsWithRun()));
        }
        argv.addAll(settings);
        return argv;
    }

    /** {@code --base ubuntu@22.04} on 3.x, {@code --series jammy} on 2.9, whichever form was given. */
    private static List<String> baseFlag(String base, boolean speaksBases) {
        Matcher ubuntu = UBUNTU_BASE.matcher(base);
        if (ubuntu.matches()) {
            if (speaksBases) {
                return List.of("--base", base);
            }
            String series = SERIES_OF_UBUNTU.get(ubuntu.group(1));
            if (series == null) {
                throw new InvalidInputException("base", base, "Juju 2.9 needs a series; known: " + SERIES_OF_UBUNTU);
            }
            return List.of("--series", series);
        }
        Optional<String> version = SERIES_OF_UBUNTU.entrySet().stream()
                .filter(e -> e.getValue().equals(base)).map(Map.Entry::getKey).findFirst();
        if (speaksBases && version.isPresent()) {
            return List.of("--base", "ubuntu@" + version.get());
        }
        // A series Juju 3 may still accept (deprecated) and that this library has no base for.
        return List.of("--series", base);
    }

    @Override
    public void attachResource(String application, String resource, Path file, Deadline deadline) {
        List<String> argv = attachResourceArgv(application, resource, file);
        Path absolute = file.toAbsolutePath().normalize();
        if (!Files.isRegularFile(absolute) || !Files.isReadable(absolute)) {
            throw new InvalidInputException("resource file", absolute.toString(), "must be a readable regular file");
        }
        cli.runOrFail(argv, deadline, "attach-resource " + application + " " + resource);
    }

    /**
     * The command, whether or not the file exists yet: a plan shows it for a file (the plaintext of an encrypted
     * archive) that exists only while its step runs.
     */
    private List<String> attachResourceArgv(String application, String resource, Path file) {
        InputValidation.application(application);
        matching("resource", resource, RESOURCE);
        Path absolute = file.toAbsolutePath().normalize();
        plainValue("resource file", absolute.toString());
        return cli.argv("attach-resource", application, resource + "=" + absolute);
    }

    @Override
    public Optional<String> uploadedResourceFingerprint(String application, String resource, Deadline deadline) {
        InputValidation.application(application);
        matching("resource", resource, RESOURCE);
        CommandResult result = cli.runOrFail(cli.argv("resources", application, "--format", "yaml"), deadline,
                "resources " + application);
        JsonNode root = JujuDocuments.parse(result.stdout(), "a resource list");
        JsonNode list = root.path("resources");
        if (!list.isArray()) {
            throw new OutputParseException("juju resources printed no 'resources' list", result.stdout(), null);
        }
        for (JsonNode entry : list) {
            if (resource.equals(entry.path("name").asText())) {
                String fingerprint = entry.path("fingerprint").asText("");
                return "upload".equals(entry.path("origin").asText()) && !fingerprint.isEmpty()
                        ? Optional.of(fingerprint.toLowerCase(Locale.ROOT)) : Optional.empty();
            }
        }
        throw new OutputParseException("application " + application + " has no resource named " + resource,
                result.stdout(), null);
    }

    @Override
    public void integrate(String first, String second, Deadline deadline) {
        cli.runOrFail(integrateArgv(first, second, () -> cli.version(deadline)), deadline,
                "relate " + first + " " + second);
    }

    /** {@code integrate} on 3.x, {@code add-relation} on 2.9 (3.x still accepts it, deprecated). */
    private List<String> integrateArgv(String first, String second, Supplier<JujuVersion> version) {
        endpoint(first);
        endpoint(second);
        return cli.argv(version.get().runsActionsWithRun() ? "integrate" : "add-relation", first, second);
    }

    @Override
    public void removeRelation(String first, String second, Deadline deadline) {
        cli.runOrFail(removeRelationArgv(first, second), deadline, "remove-relation " + first + " " + second);
    }

    private List<String> removeRelationArgv(String first, String second) {
        endpoint(first);
        endpoint(second);
        return cli.argv("remove-relation", first, second);
    }

    @Override
    public void addUnit(String application, int count, Deadline deadline) {
        cli.runOrFail(addUnitArgv(application, count), deadline, "add-unit " + application);
    }

    private List<String> addUnitArgv(String application, int count) {
        InputValidation.application(application);
        if (count < 1 || count > 100) {
            throw new InvalidInputException("unit count", Integer.toString(count), "expected 1 to 100");
        }
        return cli.argv("add-unit", application, "-n", Integer.toString(count));
    }

    @Override
    public void removeApplication(String application, Deadline deadline) {
        InputValidation.application(application);
        List<String> argv = cli.argv("remove-application", application);
        if (cli.version(deadline).runsActionsWithRun()) {
            // Juju 3.1+ asks for confirmation and aborts on an empty stdin; 2.9 never asks.
            argv.add("--no-prompt");
        }
        cli.runOrFail(argv, deadline, "remove-application " + application);
    }

    @Override
    public String config(String application, String key, Deadline deadline) {
        InputValidation.application(application);
        matching("config key", key, CONFIG_KEY);
        CommandResult result = cli.runOrFail(cli.argv("config", application, key), deadline,
                "config " + application + " " + key);
        String out = result.stdout();
        if (out.isEmpty()) {
            throw new OutputParseException("juju config printed nothing for " + application + " " + key, out, null);
        }
        // Juju prints the raw value and a newline; an empty string value is just the newline.
        return out.endsWith("\r\n") ? out.substring(0, out.length() - 2)
                : out.endsWith("\n") ? out.substring(0, out.length() - 1) : out;
    }

    @Override
    public void copyToUnit(String unit, Path file, String remotePath, Deadline deadline) {
        cli.runOrFail(copyToUnitArgv(unit, file, remotePath), deadline,
                "scp " + file.getFileName() + " to " + unit);
    }

    private List<String> copyToUnitArgv(String unit, Path file, String remotePath) {
        InputValidation.unitOrLeader(unit);
        Path absolute = file.toAbsolutePath().normalize();
        if (!Files.isRegularFile(absolute) || !Files.isReadable(absolute)) {
            throw new InvalidInputException("file", absolute.toString(), "must be a readable regular file");
        }
        plainValue("file", absolute.toString());
        // Unquoted on purpose: scp's SFTP mode takes the path literally and its legacy mode through the unit's shell,
        // so only a path that means the same to both is accepted.
        InputValidation.remotePath(remotePath);
        matching("remote path", remotePath, PLAIN_REMOTE_PATH);
        return cli.argv("scp", "--", absolute.toString(), unit + ":" + remotePath);
    }

    @Override
    public String runAsRoot(String unit, String script, Deadline deadline) {
        return cli.runOrFail(runAsRootArgv(unit, script), deadline, "script on " + unit).stdout();
    }

    private List<String> runAsRootArgv(String unit, String script) {
        InputValidation.unitOrLeader(unit);
        // juju ssh joins the words and the unit's shell splits them again: the script travels as one quoted word.
        return cli.argv("ssh", "--pty=false", unit, "--", "sudo", "bash", "-c", Shell.quoteAlways(script));
    }

    @Override
    public Map<String, String> runRestore(String unit, Map<String, String> params, Deadline deadline) {
        String operation = "restore " + unit;
        ActionRun run = cli.runAction(List.of(unit), RESTORE, params, JujuCli.waitWithin(deadline), deadline,
                operation);
        ActionResult task = Tasks.single(run, unit);
        Tasks.requireSucceeded(task, unit);
        return ActionOutputParser.flatten(task.results());
    }

    /**
     * One {@code run} (or 2.9 {@code run-action}) of the control plane charm's {@code restart} on all its units
     * (charm-kubernetes-control-plane src/actions/restart.py: kube-apiserver, kube-controller-manager,
     * kube-scheduler), every task checked.
     */
    @Override
    public void restartControlPlane(List<String> units, Deadline deadline) {
        String operation = "restart " + String.join(", ", units);
        ActionRun run = cli.runAction(units, RESTART, Map.of(), JujuCli.waitWithin(deadline), deadline, operation);
        for (ActionResult task : Tasks.perUnit(run, units)) {
            Tasks.requireSucceeded(task, task.unit().orElseThrow());
        }
    }

    /** The command lines of one client version, built by the same methods as the operations' argv. */
    private final class JujuCommands implements ModelCommands {
        private final JujuVersion version;

        JujuCommands(JujuVersion version) {
            this.version = version;
        }

        @Override
        public String status() {
            return JujuCli.commandLine(statusArgv());
        }

        @Override
        public String deploy(String charm, String application, String channel, String base,
                             Map<String, String> config) {
            return JujuCli.commandLine(deployArgv(charm, application, channel, base, config, () -> version));
        }

        @Override
        public String attachResource(String application, String resource, Path file) {
            return JujuCli.commandLine(attachResourceArgv(application, resource, file));
        }

        @Override
        public String integrate(String first, String second) {
            return JujuCli.commandLine(integrateArgv(first, second, () -> version));
        }

        @Override
        public String removeRelation(String first, String second) {
            return JujuCli.commandLine(removeRelationArgv(first, second));
        }

        @Override
        public String addUnit(String application, int count) {
            return JujuCli.commandLine(addUnitArgv(application, count));
        }

        @Override
        public String copyToUnit(String unit, Path file, String remotePath) {
            return JujuCli.commandLine(copyToUnitArgv(unit, file, remotePath));
        }

        @Override
        public String runAsRoot(String unit, String script) {
            return JujuCli.commandLine(runAsRootArgv(unit, script));
        }

        @Override
        public String runRestore(String unit, Map<String, String> params, Duration timeout) {
            return cli.actionCommandLine(List.of(unit), RESTORE, params, JujuCli.waitWithin(timeout), () -> version);
        }

        @Override
        public String restartControlPlane(List<String> units, Duration timeout) {
            return cli.actionCommandLine(units, RESTART, Map.of(), JujuCli.waitWithin(timeout), () -> version);
        }

        @Override
        public String health(String unit, Duration timeout) {
            return cli.actionCommandLine(List.of(unit), HEALTH, Map.of(), JujuCli.waitWithin(timeout), () -> version);
        }
    }

    private static void endpoint(String side) {
        String rule = "expected an application name or application:endpoint";
        if (side == null) {
            throw new InvalidInputException("relation endpoint", null, rule);
        }
        int colon = side.indexOf(':');
        InputValidation.application(colon < 0 ? side : side.substring(0, colon));
        if (colon >= 0 && !ENDPOINT.matcher(side.substring(colon + 1)).matches()) {
            throw new InvalidInputException("relation endpoint", side, rule);
        }
    }

    private static String matching(String field, String value, Pattern pattern) {
        if (value == null || !pattern.matcher(value).matches()) {
            throw new InvalidInputException(field, value, "does not match " + pattern.pattern());
        }
        return value;
    }

    private static String plainValue(String field, String value) {
        if (value == null || value.length() > 4096 || value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new InvalidInputException(field, value, "expected at most 4096 characters without control characters");
        }
        return value;
    }
}
