package io.github.etcdbackup.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Lists every third-party type that appears in a public or protected signature of the packages a module exports
 * to everyone. Only {@code java.*} and {@code io.github.etcdbackup.*} types may appear there: a user must never need
 * sshj, Jackson or commons-exec on their compile path to use this library.
 */
public final class PublicApiCheck {
    private static final List<String> ALLOWED_PREFIXES = List.of("java.", "io.github.etcdbackup.");

    private PublicApiCheck() {
    }

    /**
     * The violations in the module that {@code anyClassOfModule} was compiled into, as readable lines; empty when
     * the public API is clean.
     */
    public static List<String> violations(Class<?> anyClassOfModule) {
        return violations(anyClassOfModule, List.of());
    }

    /**
     * {@link #violations(Class)} allowing types under {@code alsoAllowed} too: for a module whose purpose is to
     * bridge to a library (Micrometer's registry), and only those types of it.
     */
    public static List<String> violations(Class<?> anyClassOfModule, List<String> alsoAllowed) {
        List<String> allowed = new ArrayList<>(ALLOWED_PREFIXES);
        allowed.addAll(alsoAllowed);
        Path classes = classesRoot(anyClassOfModule);
        ModuleDescriptor descriptor = readDescriptor(classes);
        List<String> violations = new ArrayList<>();
        int checked = 0;
        for (ModuleDescriptor.Exports export : descriptor.exports()) {
            if (export.isQualified()) {
                continue;
            }
            for (Class<?> type : classesOf(classes, export.source(), anyClassOfModule.getClassLoader())) {
                checked++;
                checkType(type, violations, allowed);
            }
        }
        if (checked == 0) {
            violations.add("no public class found in the exported packages of " + descriptor.name());
        }
        return violations;
    }

    private static Path classesRoot(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ModuleDescriptor readDescriptor(Path classes) {
        try (InputStream in = Files.newInputStream(classes.resolve("module-info.class"))) {
            return ModuleDescriptor.read(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Class<?>> classesOf(Path root, String packageName, ClassLoader loader) {
        Path dir = root.resolve(packageName.replace('.', '/'));
        List<Class<?>> classes = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (!name.endsWith(".class")) {
                    continue;
                }
                Class<?> type = Class.forName(packageName + "." + name.substring(0, name.length() - 6), false, loader);
                if (isVisible(type)) {
                    classes.add(type);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
        return classes;
    }

    private static boolean isVisible(Class<?> type) {
        for (Class<?> c = type; c != null; c = c.getDeclaringClass()) {
            if (!Modifier.isPublic(c.getModifiers()) && !Modifier.isProtected(c.getModifiers())) {
                return false;
            }
        }
        return !type.isSynthetic() && !type.isAnonymousClass();
    }

    private static void checkType(Class<?> type, List<String> violations, List<String> allowed) {
        String where = type.getName();
        check(type.getGenericSuperclass(), where + " extends", violations, allowed);
        for (Type i : type.getGenericInterfaces()) {
            check(i, where + " implements", violations, allowed);
        }
        for (Field field : type.getDeclaredFields()) {
            if (isApi(field.getModifiers())) {
                check(field.getGenericType(), where + "." + field.getName(), violations, allowed);
            }
        }
        for (Constructor<?> constructor : type.getDeclaredConstructors()) {
            checkExecutable(constructor, where + ".<init>", violations, allowed);
        }
        for (Method method : type.getDeclaredMethods()) {
            if (!method.isSynthetic() && !method.isBridge()) {
                checkExecutable(method, where + "." + method.getName() + "()", violations, allowed);
                if (isApi(method.getModifiers())) {
                    check(method.getGenericReturnType(), where + "." + method.getName() + "() returns", violations,
                            allowed);
                }
            }
        }
    }

    private static void checkExecutable(Executable executable, String where, List<String> violations,
                                        List<String> allowed) {
        if (!isApi(executable.getModifiers())) {
            return;
        }
        for (Type parameter : executable.getGenericParameterTypes()) {
            check(parameter, where + " parameter", violations, allowed);
        }
        for (Type thrown : executable.getGenericExceptionTypes()) {
            check(thrown, where + " throws", violations, allowed);
        }
    }

    private static boolean isApi(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static void check(Type type, String where, List<String> violations, List<String> allowed) {
        TreeSet<String> names = new TreeSet<>();
        collect(type, names, 0);
        for (String name : names) {
            if (allowed.stream().noneMatch(name::startsWith)) {
                violations.add(where + ": " + name);
            }
        }
    }

    private static void collect(Type type, TreeSet<String> names, int depth) {
        if (type == null || depth > 8) {
            return;
        }
        if (type instanceof Class<?> c) {
            Class<?> element = c;
            while (element.isArray()) {
                element = element.getComponentType();
            }
            if (!element.isPrimitive()) {
                names.add(element.getName());
            }
        } else if (type instanceof ParameterizedType p) {
            collect(p.getRawType(), names, depth + 1);
            for (Type argument : p.getActualTypeArguments()) {
                collect(argument, names, depth + 1);
            }
        } else if (type instanceof WildcardType w) {
            for (Type bound : w.getUpperBounds()) {
                collect(bound, names, depth + 1);
            }
            for (Type bound : w.getLowerBounds()) {
                collect(bound, names, depth + 1);
            }
        } else if (type instanceof GenericArrayType g) {
            collect(g.getGenericComponentType(), names, depth + 1);
        } else if (type instanceof TypeVariable<?> v) {
            for (Type bound : v.getBounds()) {
                collect(bound, names, depth + 1);
            }
        }
    }
}
