package org.softmaxspi.api;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The providers found once by {@link java.util.ServiceLoader} (or given, in tests), and the
 * selection of the default. Package-private: {@link SoftmaxProviders} is the public face.
 */
final class Registry {

    private static final System.Logger LOG = System.getLogger(SoftmaxProviders.class.getName());
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]*");
    private static final Pattern PROVIDER_CLASS = Pattern.compile("Provider (\\S+)");
    private static final int MAX_BROKEN_ENTRIES = 1000;

    /** Registered instances in order: priority descending, then name. */
    private final List<Softmax> providers;
    private final Map<String, Softmax> byName;
    /** Entries that failed before they had a usable name. */
    private final List<ProviderStatus> broken;
    private final UnaryOperator<String> properties;
    private final UnaryOperator<String> environment;
    private final AtomicReference<Softmax> override = new AtomicReference<>();

    Registry(Iterator<SoftmaxProvider> found, UnaryOperator<String> properties, UnaryOperator<String> environment) {
        this.properties = properties;
        this.environment = environment;
        List<Softmax> list = new ArrayList<>();
        Map<String, Softmax> names = new HashMap<>();
        List<ProviderStatus> bad = new ArrayList<>();
        while (bad.size() < MAX_BROKEN_ENTRIES) {
            SoftmaxProvider p;
            try {
                if (!found.hasNext()) {
                    break;
                }
                p = found.next();
            } catch (ServiceConfigurationError e) {
                bad.add(brokenEntry(className(e), Availability.unavailable("broken META-INF/services entry", e)));
                continue;
            }
            String name;
            try {
                name = p.name();
                p.priority();
                p.backend();
                p.capabilities();
            } catch (RuntimeException | LinkageError e) {
                bad.add(brokenEntry(p.getClass().getName(), Availability.unavailable("provider metadata failed", e)));
                continue;
            }
            if (name == null || !NAME.matcher(name).matches()) {
                bad.add(brokenEntry(p.getClass().getName(), Availability.unavailable(
                        "invalid provider name '" + name + "' (must be lowercase letters, digits, '.', '_' or '-')")));
            } else if (names.containsKey(name)) {
                bad.add(brokenEntry(p.getClass().getName(), Availability.unavailable("duplicate provider name '"
                        + name + "', already used by " + names.get(name).provider().getClass().getName())));
            } else {
                Softmax s = Softmax.of(p);
                names.put(name, s);
                list.add(s);
            }
        }
        list.sort(Comparator.comparingInt((Softmax s) -> -s.provider().priority()).thenComparing(Softmax::name));
        this.providers = List.copyOf(list);
        this.byName = Map.copyOf(names);
        this.broken = List.copyOf(bad);
        for (ProviderStatus b : broken) {
            LOG.log(System.Logger.Level.WARNING, "softmax provider " + b.name() + " ignored: "
                    + b.availability().reason());
        }
    }

    private static String className(ServiceConfigurationError e) {
        Matcher m = PROVIDER_CLASS.matcher(String.valueOf(e.getMessage()));
        return m.find() ? m.group(1) : "unknown-entry";
    }

    private static ProviderStatus brokenEntry(String className, Availability why) {
        return new ProviderStatus(className, Integer.MIN_VALUE, why, new BackendInfo("unknown", "unknown", ""),
                Optional.empty());
    }

    List<ProviderStatus> all() {
        List<ProviderStatus> out = new ArrayList<>(providers.size() + broken.size());
        for (Softmax s : providers) {
            SoftmaxProvider p = s.provider();
            out.add(new ProviderStatus(s.name(), p.priority(), s.availability(), p.backend(), Optional.of(p)));
        }
        out.addAll(broken);
        return List.copyOf(out);
    }

    Optional<Softmax> find(String name) {
        Softmax s = name == null ? null : byName.get(name);
        return s != null && s.availability().available() ? Optional.of(s) : Optional.empty();
    }

    Softmax get(String name, String source) {
        Softmax s = name == null ? null : byName.get(name);
        if (s == null) {
            throw new ProviderNotFoundException(source + "no softmax provider named '" + name + "'; available: "
                    + availableNames() + describeUnavailable());
        }
        Availability a = s.availability();
        if (!a.available()) {
            throw new ProviderUnavailableException(source + "softmax provider '" + name + "' is unavailable: "
                    + a.reason() + "; available: " + availableNames(), null);
        }
        return s;
    }

    Softmax getDefault() {
        return chooseDefault().softmax();
    }

    /** The default provider and why it is the default (see {@link SoftmaxProviders#describeDefault}). */
    String describeDefault() {
        Choice c = chooseDefault();
        return c.softmax().name() + " (" + c.why() + ")";
    }

    private record Choice(Softmax softmax, String why) {
    }

    private Choice chooseDefault() {
        Softmax chosen = override.get();
        if (chosen != null) {
            return new Choice(chosen, "set by SoftmaxProviders.setDefault");
        }
        String byProperty = properties.apply(SoftmaxProviders.PROPERTY);
        if (byProperty != null && !byProperty.isBlank()) {
            String source = "system property " + SoftmaxProviders.PROPERTY + "=" + byProperty;
            return new Choice(get(byProperty.trim(), source + ": "), "named by the " + source);
        }
        String byEnv = environment.apply(SoftmaxProviders.ENVIRONMENT_VARIABLE);
        if (byEnv != null && !byEnv.isBlank()) {
            String source = "environment variable " + SoftmaxProviders.ENVIRONMENT_VARIABLE + "=" + byEnv;
            return new Choice(get(byEnv.trim(), source + ": "), "named by the " + source);
        }
        for (Softmax s : providers) {
            if (s.availability().available()) {
                return new Choice(s, "the highest priority, " + s.provider().priority() + ", of the available "
                        + availableNames() + describeUnavailable() + "; name another with -D"
                        + SoftmaxProviders.PROPERTY + "=NAME or " + SoftmaxProviders.ENVIRONMENT_VARIABLE + "=NAME");
            }
        }
        throw new ProviderNotFoundException("no softmax provider is available" + describeUnavailable()
                + "; add softmax-reference to the class path for the pure-Java one");
    }

    Softmax setDefault(String name) {
        Softmax s = get(name, "");
        override.set(s);
        return s;
    }

    void clearDefault() {
        override.set(null);
    }

    private List<String> availableNames() {
        List<String> names = new ArrayList<>();
        for (Softmax s : providers) {
            if (s.availability().available()) {
                names.add(s.name());
            }
        }
        return names;
    }

    private String describeUnavailable() {
        StringBuilder sb = new StringBuilder();
        for (Softmax s : providers) {
            if (!s.availability().available()) {
                sb.append(sb.length() == 0 ? "; unavailable: " : ", ")
                        .append(s.name()).append(" (").append(s.availability().reason()).append(')');
            }
        }
        return sb.toString();
    }
}
