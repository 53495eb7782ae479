package org.softmaxspi.api;

import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * The providers on the class path, and the default one.
 *
 * <p>Providers are found once, lazily, with {@link ServiceLoader} (the first call to any method
 * here), never in a static initializer. A broken {@code META-INF/services} entry, or a provider
 * whose native code cannot load, is reported (in {@link #all()}, and as a warning on
 * {@link System.Logger}) while the others keep working. Each provider's availability is checked
 * at most once, when first needed.
 *
 * <p>The default provider is, in order: the one set with {@link #setDefault(String)}; the one named
 * by the system property {@value #PROPERTY}; the one named by the environment variable
 * {@value #ENVIRONMENT_VARIABLE}; else the available provider with the highest priority, ties
 * broken by name (never by class-path order). A name given by property or variable that is
 * unknown or unavailable is an error, not a silent fallback. All methods are thread-safe.
 *
 * <pre>{@code
 * Softmax nd4j = SoftmaxProviders.get("nd4j");          // by name; throws listing what exists
 * float[] y = SoftmaxProviders.getDefault().softmax(z); // the default provider
 * SoftmaxProviders.setDefault("reference");             // swap the default at run time
 * }</pre>
 */
public final class SoftmaxProviders {

    /** The system property naming the default provider: {@value}. */
    public static final String PROPERTY = "softmax.provider";
    /** The environment variable naming the default provider: {@value}. */
    public static final String ENVIRONMENT_VARIABLE = "SOFTMAX_PROVIDER";

    private static volatile Registry registry;

    private SoftmaxProviders() {
    }

    private static Registry registry() {
        Registry r = registry;
        if (r == null) {
            synchronized (SoftmaxProviders.class) {
                r = registry;
                if (r == null) {
                    ClassLoader cl = Thread.currentThread().getContextClassLoader();
                    if (cl == null) {
                        cl = SoftmaxProviders.class.getClassLoader();
                    }
                    r = new Registry(ServiceLoader.load(SoftmaxProvider.class, cl).iterator(),
                            System::getProperty, System::getenv);
                    registry = r;
                }
            }
        }
        return r;
    }

    /**
     * Every provider found, available or not, sorted by priority (highest first) then name, followed
     * by broken service entries. Checks each provider's availability (which may load native code).
     *
     * @return an immutable list
     */
    public static List<ProviderStatus> all() {
        return registry().all();
    }

    /** The available provider with this name, or empty when there is none or it cannot work here. */
    public static Optional<Softmax> find(String name) {
        return registry().find(name);
    }

    /**
     * The provider with this name.
     *
     * @throws ProviderNotFoundException    if there is none; the message lists the available names
     * @throws ProviderUnavailableException if it cannot work here; the message gives its reason
     */
    public static Softmax get(String name) {
        return registry().get(name, "");
    }

    /**
     * The default provider (see the class description for the order of choice).
     *
     * @throws ProviderNotFoundException    if none is available, or a configured name is unknown
     * @throws ProviderUnavailableException if the configured provider cannot work here
     */
    public static Softmax getDefault() {
        return registry().getDefault();
    }

    /**
     * The default provider's name and, in parentheses, why it is the default, in one line: set at run time, named
     * by the property or the variable, or the highest priority of the available providers (with the unavailable
     * ones and their reasons), e.g. {@code simd (the highest priority, 30, of the available [simd, reference]; ...)}.
     * For logs and {@code --verbose} output; its wording is not a stable format.
     *
     * @throws ProviderNotFoundException    as {@link #getDefault()}
     * @throws ProviderUnavailableException as {@link #getDefault()}
     */
    public static String describeDefault() {
        return registry().describeDefault();
    }

    /**
     * Makes {@code name} the default for this JVM, over the property and the variable; atomic and
     * visible to all threads at once.
     *
     * @return the new default
     * @throws ProviderNotFoundException    if there is no such provider (the default is unchanged)
     * @throws ProviderUnavailableException if it cannot work here (the default is unchanged)
     */
    public static Softmax setDefault(String name) {
        return registry().setDefault(name);
    }

    /** Forgets {@link #setDefault(String)}, so the property, variable or priority choose again. */
    public static void clearDefault() {
        registry().clearDefault();
    }
}
