package org.softmaxspi.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.ServiceConfigurationError;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RegistryTest {

    private final Map<String, String> properties = new HashMap<>();
    private final Map<String, String> environment = new HashMap<>();

    private Registry registry(Object... entries) {
        List<Object> list = List.of(entries);
        Iterator<SoftmaxProvider> it = new Iterator<>() {
            int i;

            @Override
            public boolean hasNext() {
                return i < list.size();
            }

            @Override
            public SoftmaxProvider next() {
                if (i >= list.size()) {
                    throw new NoSuchElementException();
                }
                Object o = list.get(i++);
                if (o instanceof ServiceConfigurationError e) {
                    throw e;
                }
                return (SoftmaxProvider) o;
            }
        };
        return new Registry(it, properties::get, environment::get);
    }

    private static FakeProvider ok(String name, int priority) {
        return new FakeProvider(name, priority, Availability.ok());
    }

    @Test
    void all_isSortedByPriorityThenName_notByClassPathOrder() {
        Registry r = registry(ok("b", 1), ok("a", 1), ok("z", 5), ok("reference", 0));
        assertEquals(List.of("z", "a", "b", "reference"), r.all().stream().map(ProviderStatus::name).toList());
    }

    @Test
    void default_isHighestPriorityAvailable_tiesByName() {
        FakeProvider nativeOne = new FakeProvider("nd4j", 20, Availability.unavailable("no native library"));
        Registry r = registry(ok("reference", 0), nativeOne, ok("beta", 10), ok("alpha", 10));
        assertEquals("alpha", r.getDefault().name());
    }

    @Test
    void default_followsPropertyThenEnvironment() {
        Registry r = registry(ok("reference", 0), ok("nd4j", 20), ok("djl", 10));
        environment.put(SoftmaxProviders.ENVIRONMENT_VARIABLE, "djl");
        assertEquals("djl", r.getDefault().name());
        properties.put(SoftmaxProviders.PROPERTY, "reference");
        assertEquals("reference", r.getDefault().name());
    }

    @Test
    void default_namedByPropertyButUnknown_isAnErrorListingAvailableNames() {
        Registry r = registry(ok("reference", 0), new FakeProvider("nd4j", 20, Availability.unavailable("libnd4j missing")));
        properties.put(SoftmaxProviders.PROPERTY, "cuda");
        ProviderNotFoundException e = assertThrows(ProviderNotFoundException.class, r::getDefault);
        assertThat(e.getMessage()).contains("softmax.provider=cuda", "'cuda'", "available: [reference]",
                "nd4j (libnd4j missing)");
    }

    @Test
    void get_unavailable_throwsWithItsReason() {
        Registry r = registry(ok("reference", 0), new FakeProvider("djl", 10, Availability.unavailable("offline, no jar")));
        ProviderUnavailableException e = assertThrows(ProviderUnavailableException.class, () -> r.get("djl", ""));
        assertThat(e.getMessage()).contains("'djl'", "offline, no jar", "available: [reference]");
        assertTrue(r.find("djl").isEmpty());
        assertTrue(r.find("reference").isPresent());
        assertTrue(r.find("nope").isEmpty());
    }

    @Test
    void brokenServiceEntry_isReported_andOthersStillWork() {
        ServiceConfigurationError broken = new ServiceConfigurationError(
                "org.softmaxspi.api.SoftmaxProvider: Provider com.example.Missing not found");
        Registry r = registry(broken, ok("reference", 0));
        List<ProviderStatus> all = r.all();
        assertEquals(2, all.size());
        ProviderStatus bad = all.get(1);
        assertEquals("com.example.Missing", bad.name());
        assertFalse(bad.available());
        assertThat(bad.availability().reason()).contains("broken META-INF/services entry", "not found");
        assertEquals("reference", r.getDefault().name());
    }

    @Test
    void duplicateAndInvalidNames_areReportedNotLoaded() {
        Registry r = registry(ok("reference", 0), ok("reference", 9), ok("Bad Name", 1));
        assertEquals(3, r.all().size());
        assertEquals(0, r.get("reference", "").provider().priority());
        assertThat(r.all().get(1).availability().reason()).contains("duplicate provider name 'reference'");
        assertThat(r.all().get(2).availability().reason()).contains("invalid provider name 'Bad Name'");
    }

    @Test
    void availabilityThatThrows_becomesUnavailableWithTheException() {
        SoftmaxProvider throwing = new FakeProvider("boom", 50, Availability.ok()) {
            @Override
            public Availability availability() {
                throw new UnsatisfiedLinkError("libboom.so: cannot open shared object file");
            }
        };
        Registry r = registry(throwing, ok("reference", 0));
        assertEquals("reference", r.getDefault().name());
        ProviderStatus boom = r.all().get(0);
        assertFalse(boom.available());
        assertThat(boom.availability().reason()).contains("UnsatisfiedLinkError", "libboom.so");
    }

    @Test
    void availability_isCheckedOnce_andNotAtConstruction() {
        FakeProvider p = ok("reference", 0);
        Registry r = registry(p);
        assertEquals(0, p.availabilityCalls.get());
        r.all();
        r.getDefault();
        r.find("reference");
        assertEquals(1, p.availabilityCalls.get());
        assertEquals(0, p.createCalls.get());
    }

    @Test
    void setDefault_overridesEverything_andClearDefaultRestoresSelection() {
        Registry r = registry(ok("reference", 0), ok("nd4j", 20));
        properties.put(SoftmaxProviders.PROPERTY, "nd4j");
        assertEquals("reference", r.setDefault("reference").name());
        assertEquals("reference", r.getDefault().name());
        r.clearDefault();
        assertEquals("nd4j", r.getDefault().name());
        assertThrows(ProviderNotFoundException.class, () -> r.setDefault("missing"));
        assertEquals("nd4j", r.getDefault().name());
    }

    @Test
    void setDefault_isAtomicAcrossThreads() throws Exception {
        Registry r = registry(ok("a", 0), ok("b", 0));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        List<Throwable> errors = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            String name = t % 2 == 0 ? "a" : "b";
            pool.submit(() -> {
                try {
                    start.await();
                    for (int i = 0; i < 1000; i++) {
                        r.setDefault(name);
                        String seen = r.getDefault().name();
                        if (!seen.equals("a") && !seen.equals("b")) {
                            throw new AssertionError(seen);
                        }
                    }
                } catch (Throwable e) {
                    synchronized (errors) {
                        errors.add(e);
                    }
                }
                return null;
            });
        }
        start.countDown();
        pool.shutdown();
        assertTrue(pool.awaitTermination(1, TimeUnit.MINUTES));
        assertTrue(errors.isEmpty(), errors.toString());
        assertSame(r.getDefault(), r.get(r.getDefault().name(), ""));
    }

    @Test
    void noProviders_givesAPlainMessage() {
        Registry r = registry();
        ProviderNotFoundException e = assertThrows(ProviderNotFoundException.class, r::getDefault);
        assertThat(e.getMessage()).contains("no softmax provider is available", "softmax-reference");
    }
}
