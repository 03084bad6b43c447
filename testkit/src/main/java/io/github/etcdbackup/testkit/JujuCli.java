package io.github.etcdbackup.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The {@code juju} commands the simulator understands, printing what Juju 2.9 or 3.x prints (see
 * {@code charm-and-juju.md} §2 and the fixtures): streams, exit codes and the traps included.
 */
final class JujuCli {
    /** Every invocation's arguments (after {@code juju}), in the order they arrived. */
    private final List<List<String>> commandsRun = new CopyOnWriteArrayList<>();
    private final SimModel model;
    private final StatusView.ModelInfo info;
    private final ActionCommands actions;
    private final ModelCommands models;
    private final UnitCommands units;

    JujuCli(SimModel model, StatusView.ModelInfo info, Duration defaultRunWait) {
        this.model = model;
        this.info = info;
        this.actions = new ActionCommands(model, defaultRunWait);
        this.models = new ModelCommands(model);
        this.units = new UnitCommands(model);
    }

    /** How the output of this command line reaches the client. */
    SimulatorServer.Mode mode(List<String> argv) {
        if (promptsForStdin(argv)) {
            return SimulatorServer.Mode.PROMPT;
        }
        if (streamsOutput(argv)) {
            return units.sshGoesStraight(argv) ? SimulatorServer.Mode.EXEC : SimulatorServer.Mode.STREAM;
        }
        return copiesToClient(argv) ? SimulatorServer.Mode.COPY : SimulatorServer.Mode.INLINE;
    }

    /** True when this command line will prompt on stdin: 3.x {@code remove-application} without --no-prompt. */
    private boolean promptsForStdin(List<String> argv) {
        return !model.isJuju2() && !argv.isEmpty() && argv.get(0).equals("remove-application")
                && !argv.contains("--no-prompt") && !model.faults().controllerUnreachable();
    }

    /** True when the command's stdout is a raw stream (ssh, exec) rather than text printed at the end. */
    private boolean streamsOutput(List<String> argv) {
        if (argv.isEmpty()) {
            return false;
        }
        String command = argv.get(0);
        return command.equals("ssh") || command.equals("exec") || command.equals("run") && model.isJuju2();
    }

    /** True for {@code scp} from a unit to the client, whose bytes the client itself writes into the destination. */
    private boolean copiesToClient(List<String> argv) {
        if (argv.isEmpty() || !argv.get(0).equals("scp")) {
            return false;
        }
        try {
            return UnitCommands.downloads(CliArgs.parse(argv));
        } catch (CliArgs.UsageException e) {
            return false;
        }
    }

    List<List<String>> commandsRun() {
        return List.copyOf(commandsRun);
    }

    void handle(Call call) {
        commandsRun.add(call.argv());
        CliArgs args;
        try {
            args = CliArgs.parse(call.argv());
            if (!args.command().equals("version") && model.faults().controllerUnreachable()) {
                call.error("cannot connect to API: unable to connect to API: dial tcp 127.0.0.1:17070: "
                        + "connect: connection refused");
                return;
            }
            if (!knownModel(call, args)) {
                return;
            }
            dispatch(call, args);
        } catch (CliArgs.UsageException e) {
            call.err("ERROR " + e.getMessage() + "\n");
            call.exit(2);
        }
    }

    private boolean knownModel(Call call, CliArgs args) {
        String wanted = args.flag("model").orElse(call.modelFromEnv());
        if (wanted == null || wanted.isEmpty()) {
            return true;
        }
        String name = wanted.contains(":") ? wanted.substring(wanted.indexOf(':') + 1) : wanted;
        name = name.contains("/") ? name.substring(name.indexOf('/') + 1) : name;
        if (name.equals(info.name())) {
            return true;
        }
        call.error("model " + info.controller() + ":admin/" + name + " not found");
        return false;
    }

    private void dispatch(Call call, CliArgs args) {
        boolean juju2 = model.isJuju2();
        switch (args.command()) {
            case "version" -> call.out(model.jujuVersion() + (juju2 ? "-ubuntu-amd64\n" : "-genericlinux-amd64\n"));
            case "status" -> status(call, args);
            case "run-action" -> {
                if (juju2) {
                    actions.runAction(call, args);
                } else {
                    notACommand(call, args);
                }
            }
            case "show-action-output" -> {
                if (juju2) {
                    actions.showActionOutput(call, args);
                } else {
                    notACommand(call, args);
                }
            }
            case "run" -> {
                if (juju2) {
                    units.exec(call, args, args.flagValues("unit"), args.positionals());
                } else {
                    actions.run(call, args);
                }
            }
            case "exec" -> {
                if (juju2) {
                    notACommand(call, args);
                } else {
                    units.exec(call, args, args.flagValues("unit"), args.positionals());
                }
            }
            case "show-task" -> {
                if (juju2) {
                    notACommand(call, args);
                } else {
                    actions.showTask(call, args);
                }
            }
            case "deploy" -> models.deploy(call, args);
            case "attach-resource" -> models.attachResource(call, args);
            case "attach" -> {
                if (juju2) {
                    models.attachResource(call, args);
                } else {
                    notACommand(call, args);
                }
            }
            case "integrate" -> {
                if (juju2) {
                    notACommand(call, args);
                } else {
                    models.integrate(call, args);
                }
            }
            case "add-relation" -> {
                if (juju2) {
                    models.integrate(call, args);
                } else {
                    notACommand(call, args);
                }
            }
            case "relate" -> models.integrate(call, args);
            case "add-unit" -> models.addUnit(call, args);
            case "remove-relation" -> models.removeRelation(call, args);
            case "remove-application" -> models.removeApplication(call, args);
            case "ssh" -> units.ssh(call, args);
            case "scp" -> units.scp(call, args);
            case "config" -> models.config(call, args);
            case "resources" -> models.resources(call, args);
            default -> notACommand(call, args);
        }
    }

    private static void notACommand(Call call, CliArgs args) {
        call.err("ERROR juju: \"" + args.command() + "\" is not a juju command. See \"juju --help\".\n");
        call.exit(2);
    }

    // ----------------------------------------------------------------------------------------------- output

    static void print(Call call, Object tree, String format) {
        switch (format) {
            case "json" -> call.out(GoJson.emit(tree) + "\n");
            case "yaml" -> call.out(GoYaml.emit(tree));
            default -> throw new CliArgs.UsageException("invalid value \"" + format + "\" for option --format: "
                    + "unknown format \"" + format + "\"");
        }
    }

    // ----------------------------------------------------------------------------------------------- status

    private void status(Call call, CliArgs args) {
        List<ModelApplication> shown = new ArrayList<>();
        for (ModelApplication app : model.applications()) {
            if (args.positionals().isEmpty() || args.positionals().contains(app.name())
                    || app.units().stream().anyMatch(u -> args.positionals().contains(u.name()))) {
                shown.add(app);
            }
        }
        Map<String, Object> tree = new StatusView(model, info).build(shown);
        String format = args.flag("format").orElse("tabular");
        if (format.equals("tabular")) {
            call.out(StatusTable.render(tree));
        } else {
            print(call, tree, format);
        }
    }
}
