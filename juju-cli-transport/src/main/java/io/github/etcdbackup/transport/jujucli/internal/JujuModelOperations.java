package io.github.etcdbackup.transport.jujucli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.status.ModelStatus;
import io.github.etcdbackup.exception.OutputParseException;
import io.github.etcdbackup.internal.common.InputValidation;
import io.github.etcdbackup.internal.common.Shell;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.ModelOperations;
import io.github.etcdbackup.transport.jujucli.ActionResult;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The model operations of the juju-cli transport: one {@code juju} command each, argv only. */
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

    private final JujuCli cli;

    /** @param cli the command vocabulary to use */
    public JujuModelOperations(JujuCli cli) {
        this.cli = cli;
    }

    @Override
    public ModelStatus status(Deadline deadline) {
        CommandResult result = cli.runOrFail(cli.argv("status", "--format", "yaml"), deadline, "juju status");
        return StatusParser.parse(result.stdout());
    }

    @Override
    public void deploy(String charm, String application, String channel, String base, Map<String, String> config,
                       Deadline deadline) {
        matching("charm", charm, CHARM);
        InputValidation.application(application);
        if (!channel.isEmpty()) {
            InputValidation.channel("channel", channel);
        }
        if (!base.isEmpty() && !UBUNTU_BASE.matcher(base).matches()) {
            matching("base", base, SERIES);
        }
        List<String> settings = new ArrayList<>();
        config.forEach((key, value) -> {
            settings.add("--config");
            settings.add(matching("config key", key, CONFIG_KEY) + "=" + plainValue("config value", value));
        });
        List<String> argv = cli.argv("deploy", charm, application);
        if (!channel.isEmpty()) {
            argv.add("--channel");
            argv.add(channel);
        }
        if (!base.isEmpty()) {
            argv.addAll(baseFlag(base, cli.version(deadline).runsActionsWithRun()));
        }
        argv.addAll(settings);
        cli.runOrFail(argv, deadline, "deploy " + application);
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
        InputValidation.application(application);
        matching("resource", resource, RESOURCE);
        Path absolute = file.toAbsolutePath().normalize();
        if (!Files.isRegularFile(absolute) || !Files.isReadable(absolute)) {
            throw new InvalidInputException("resource file", absolute.toString(), "must be a readable regular file");
        }
        plainValue("resource file", absolute.toString());
        cli.runOrFail(cli.argv("attach-resource", application, resource + "=" + absolute), deadline,
                "attach-resource " + application + " " + resource);
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
        endpoint(first);
        endpoint(second);
        String command = cli.version(deadline).runsActionsWithRun() ? "integrate" : "add-relation";
        cli.runOrFail(cli.argv(command, first, second), deadline, command + " " + first + " " + second);
    }

    @Override
    public void addUnit(String application, int count, Deadline deadline) {
        InputValidation.application(application);
        if (count < 1 || count > 100) {
            throw new InvalidInputException("unit count", Integer.toString(count), "expected 1 to 100");
        }
        cli.runOrFail(cli.argv("add-unit", application, "-n", Integer.toString(count)), deadline,
                "add-unit " + application);
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
        InputValidation.unit(unit);
        Path absolute = file.toAbsolutePath().normalize();
        if (!Files.isRegularFile(absolute) || !Files.isReadable(absolute)) {
            throw new InvalidInputException("file", absolute.toString(), "must be a readable regular file");
        }
        plainValue("file", absolute.toString());
        // Unquoted on purpose: scp's SFTP mode takes the path literally and its legacy mode through the unit's shell,
        // so only a path that means the same to both is accepted.
        InputValidation.remotePath(remotePath);
        matching("remote path", remotePath, PLAIN_REMOTE_PATH);
        cli.runOrFail(cli.argv("scp", "--", absolute.toString(), unit + ":" + remotePath), deadline,
                "scp " + absolute.getFileName() + " to " + unit);
    }

    @Override
    public String runAsRoot(String unit, String script, Deadline deadline) {
        InputValidation.unit(unit);
        // juju ssh joins the words and the unit's shell splits them again: the script travels as one quoted word.
        return cli.runOrFail(cli.argv("ssh", "--pty=false", unit, "--", "sudo", "bash", "-c",
                Shell.quoteAlways(script)), deadline, "script on " + unit).stdout();
    }

    @Override
    public Map<String, String> runRestore(String unit, Map<String, String> params, Deadline deadline) {
        String operation = "restore " + unit;
        ActionRun run = cli.runAction(List.of(unit), "restore", params, JujuCli.waitWithin(deadline), deadline,
                operation);
        ActionResult task = Tasks.single(run, unit);
        Tasks.requireSucceeded(task, unit);
        return ActionOutputParser.flatten(task.results());
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
