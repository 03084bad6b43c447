package io.github.etcdbackup.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The model operations a restore uses: {@code deploy}, {@code attach-resource}, {@code resources},
 * {@code integrate} / {@code add-relation}, {@code add-unit}, {@code remove-application} (with Juju 3's prompt)
 * and {@code config}, with Juju's messages and exit codes.
 */
final class ModelCommands {
    private final SimModel model;

    ModelCommands(SimModel model) {
        this.model = model;
    }

    void deploy(Call call, CliArgs args) {
        List<String> words = args.positionals();
        if (words.isEmpty() || words.size() > 2) {
            throw new CliArgs.UsageException(words.isEmpty() ? "no charm or bundle specified"
                    : "unrecognized args: [\"" + words.get(2) + "\"]");
        }
        String charmName = words.get(0);
        String name = words.size() == 2 ? words.get(1) : charmName;
        Optional<CharmInfo> charm = CharmInfo.lookup(charmName);
        if (charm.isEmpty()) {
            call.error("cannot resolve charm or bundle \"" + charmName + "\": charm or bundle not found");
            return;
        }
        if (model.application(name).isPresent()) {
            if (model.isJuju2()) {
                call.error("cannot add application \"" + name + "\": application already exists: \n"
                        + "deploy application using an alias name:\n"
                        + "    juju deploy <application> <alias>\n"
                        + "or use remove-application to remove the existing one and try again.");
            } else {
                call.err("ERROR cannot add application \"" + name + "\": application already exists\n");
                call.error("failed to deploy charm \"" + charmName + "\"");
            }
            return;
        }
        String series = args.flag("series").orElse(null);
        if (series != null && !model.isJuju2()) {
            call.err("WARNING series flag is deprecated, use --base instead\n");
        }
        if (series == null) {
            series = args.flag("base").map(b -> StatusView.seriesOf(b.substring(b.indexOf('@') + 1)))
                    .orElse("jammy");
        }
        String channel = args.flag("channel").orElse("latest/stable");
        int units = Integer.parseInt(args.flag("num-units").orElse("1"));
        Map<String, String> config = new LinkedHashMap<>();
        for (String setting : args.flagValues("config")) {
            int eq = setting.indexOf('=');
            if (eq > 0) {
                config.put(setting.substring(0, eq), setting.substring(eq + 1));
            }
        }
        int revision = charm.get().revision();
        if (model.isJuju2()) {
            call.err("Located charm \"" + charmName + "\" in charm-hub, revision " + revision + "\n"
                    + "Deploying \"" + name + "\" from charm-hub charm \"" + charmName + "\", revision " + revision
                    + " in channel " + channel + " on " + series + "\n");
        } else {
            call.err("Deployed \"" + name + "\" from charm-hub charm \"" + charmName + "\", revision " + revision
                    + " in channel " + channel + " on ubuntu@" + StatusView.baseChannel(series) + "/stable\n");
        }
        model.deploy(charm.get(), name, units, channel, series, config);
    }

    void attachResource(Call call, CliArgs args) {
        List<String> words = args.positionals();
        if (words.size() != 2 || !words.get(1).contains("=")) {
            throw new CliArgs.UsageException("missing application name or resource");
        }
        Optional<ModelApplication> app = application(call, words.get(0));
        if (app.isEmpty()) {
            return;
        }
        String resource = words.get(1).substring(0, words.get(1).indexOf('='));
        String file = words.get(1).substring(words.get(1).indexOf('=') + 1);
        String expected = app.get().charm().resources().get(resource);
        if (expected == null) {
            call.error("failed to upload resource \"" + resource + "\": resource#" + app.get().name() + "/"
                    + resource + " not found");
            return;
        }
        Path local = call.local(file);
        if (!Files.isRegularFile(local)) {
            call.error("failed to upload resource \"" + resource + "\": open " + local
                    + ": no such file or directory");
            return;
        }
        String extension = expected.substring(expected.lastIndexOf('.'));
        if (!local.getFileName().toString().endsWith(extension)) {
            call.error("incorrect extension on resource upload \"" + file + "\", expected \"" + extension + "\"");
            return;
        }
        model.attachResource(app.get(), resource, local, "upload");
    }

    void integrate(Call call, CliArgs args) {
        if (args.positionals().size() != 2) {
            throw new CliArgs.UsageException("a relation must involve two applications");
        }
        RelationMatcher.Match match = RelationMatcher.match(model, args.positionals().get(0),
                args.positionals().get(1));
        if (match.error() != null) {
            call.error(match.error());
            return;
        }
        model.addRelation(match.relation());
    }

    /**
     * {@code remove-relation APP[:ENDPOINT] APP[:ENDPOINT]}, the same in 2.9 and 3.x (cmd/juju/application/
     * removerelation.go: two arguments or a relation id). A relation that does not exist is the API's NotFound error
     * (state.EndpointsRelation: {@code relation "a:x b:y" not found}), exit 1; Juju removes the relation
     * asynchronously, the simulator at once.
     */
    void removeRelation(Call call, CliArgs args) {
        List<String> sides = args.positionals();
        if (sides.size() != 2 || sides.get(0).isEmpty() || sides.get(1).isEmpty()) {
            throw new CliArgs.UsageException("a relation must involve two applications");
        }
        Optional<Relation> found = model.relations().stream()
                .filter(r -> !r.app1().equals(r.app2()))
                .filter(r -> (matches(sides.get(0), r.app1(), r.endpoint1()) && matches(sides.get(1), r.app2(),
                        r.endpoint2())) || (matches(sides.get(0), r.app2(), r.endpoint2())
                        && matches(sides.get(1), r.app1(), r.endpoint1())))
                .findFirst();
        if (found.isEmpty() || !model.removeRelation(found.get())) {
            call.error("relation \"" + sides.get(0) + " " + sides.get(1) + "\" not found");
        }
    }

    private static boolean matches(String side, String app, String endpoint) {
        int colon = side.indexOf(':');
        return colon < 0 ? side.equals(app)
                : side.substring(0, colon).equals(app) && side.substring(colon + 1).equals(endpoint);
    }

    void addUnit(Call call, CliArgs args) {
        if (args.positionals().size() != 1) {
            throw new CliArgs.UsageException("no application specified");
        }
        Optional<ModelApplication> app = application(call, args.positionals().get(0));
        if (app.isPresent()) {
            model.addUnits(app.get(), Integer.parseInt(args.flag("num-units").orElse("1")));
        }
    }

    void removeApplication(Call call, CliArgs args) {
        List<ModelApplication> apps = new ArrayList<>();
        for (String name : args.positionals()) {
            Optional<ModelApplication> app = model.application(name);
            if (app.isEmpty()) {
                call.err("ERROR removing application " + name + " failed: application \"" + name
                        + "\" not found\n");
                call.exit(1);
                continue;
            }
            apps.add(app.get());
        }
        if (!model.isJuju2() && !args.has("no-prompt") && !apps.isEmpty()) {
            call.err("WARNING This command will perform the following actions:\n");
            for (ModelApplication app : apps) {
                call.out("will remove application " + app.name() + "\n");
                app.units().forEach(u -> call.out("- will remove unit " + u.name() + "\n"));
            }
            call.err("\nContinue [y/N]? ");
            String answer = call.readLine().trim().toLowerCase(Locale.ROOT);
            if (!answer.equals("y") && !answer.equals("yes")) {
                call.error("application removal: aborted");
                return;
            }
        }
        for (ModelApplication app : apps) {
            if (model.isJuju2()) {
                call.err("removing application " + app.name() + "\n");
            }
            model.remove(app);
        }
    }

    private Optional<ModelApplication> application(Call call, String name) {
        Optional<ModelApplication> app = model.application(name);
        if (app.isEmpty()) {
            call.error("application \"" + name + "\" not found");
        }
        return app;
    }

    void config(Call call, CliArgs args) {
        List<String> words = args.positionals();
        if (words.isEmpty()) {
            throw new CliArgs.UsageException("no application name specified");
        }
        Optional<ModelApplication> app = application(call, words.get(0));
        if (app.isEmpty()) {
            return;
        }
        Map<String, Object> config = app.get().config();
        if (words.size() == 2 && !words.get(1).contains("=")) {
            String key = words.get(1);
            if (!config.containsKey(key)) {
                call.error("key \"" + key + "\" not found in \"" + app.get().name()
                        + "\" application config or charm settings.");
                return;
            }
            call.out(config.get(key) + "\n");
            return;
        }
        if (words.size() >= 2) {
            for (String setting : words.subList(1, words.size())) {
                int eq = setting.indexOf('=');
                config.put(setting.substring(0, eq), setting.substring(eq + 1));
            }
            return;
        }
        GoMap settings = new GoMap();
        Map<String, Object> defaults = app.get().charm().configDefaults();
        config.forEach((key, value) -> {
            GoMap setting = new GoMap()
                    .with("default", defaults.getOrDefault(key, ""))
                    .with("description", key)
                    .with("source", value.equals(defaults.get(key)) ? "default" : "user")
                    .with("type", value instanceof Integer ? "int" : value instanceof Boolean ? "boolean" : "string")
                    .with("value", value);
            settings.put(key, setting);
        });
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("application", app.get().name());
        tree.put("charm", app.get().charm().name());
        tree.put("settings", settings);
        JujuCli.print(call, tree, args.flag("format").orElse("yaml"));
    }

    /**
     * {@code juju resources APP --format yaml|json}: one entry per declared resource; an attached file shows its
     * sha384 fingerprint, size and origin ({@code upload} after attach-resource).
     */
    void resources(Call call, CliArgs args) {
        if (args.positionals().size() != 1) {
            throw new CliArgs.UsageException("missing application name");
        }
        Optional<ModelApplication> app = application(call, args.positionals().get(0));
        if (app.isEmpty()) {
            return;
        }
        List<Object> list = new ArrayList<>();
        app.get().charm().resources().keySet().stream().sorted().forEach(name -> {
            ModelApplication.Resource attached = app.get().resources().get(name);
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", name);
            entry.put("type", "file");
            entry.put("path", app.get().charm().resources().get(name));
            entry.put("description", name);
            entry.put("revision", attached == null ? "-" : "0");
            entry.put("fingerprint", attached == null ? "" : Fingerprints.sha384(attached.file()));
            entry.put("size", attached == null ? 0L : Fingerprints.size(attached.file()));
            entry.put("origin", attached == null ? "store" : attached.origin());
            entry.put("used", attached != null);
            if (attached != null) {
                entry.put("timestamp", attached.attached().toString());
                entry.put("username", "admin");
            }
            list.add(entry);
        });
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("resources", list);
        String format = args.flag("format").orElse("tabular");
        if (format.equals("tabular")) {
            StringBuilder table = new StringBuilder(String.format("%-10s %-8s %s%n", "Resource", "Supplied by",
                    "Revision"));
            for (Object entry : list) {
                Map<?, ?> resource = (Map<?, ?>) entry;
                table.append(String.format("%-10s %-8s %s%n", resource.get("name"), resource.get("origin"),
                        resource.get("revision")));
            }
            call.out(table.toString());
        } else {
            JujuCli.print(call, tree, format);
        }
    }
}
