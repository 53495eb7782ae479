package org.softmaxspi.api;

import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;

/** A test provider whose kernel fills outputs with a constant, counting calls and availability checks. */
class FakeProvider implements SoftmaxProvider {

    final String name;
    final int priority;
    final Availability availability;
    final Capabilities capabilities;
    final AtomicInteger availabilityCalls = new AtomicInteger();
    final AtomicInteger kernelCalls = new AtomicInteger();
    /** The layout of every kernel call, in order. */
    final java.util.List<Layout> layouts = new java.util.concurrent.CopyOnWriteArrayList<>();
    final AtomicInteger createCalls = new AtomicInteger();
    RuntimeException createFailure;

    FakeProvider(String name, int priority, Availability availability) {
        this(name, priority, availability, Capabilities.all());
    }

    FakeProvider(String name, int priority, Availability availability, Capabilities capabilities) {
        this.name = name;
        this.priority = priority;
        this.availability = availability;
        this.capabilities = capabilities;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int priority() {
        return priority;
    }

    @Override
    public Availability availability() {
        availabilityCalls.incrementAndGet();
        return availability;
    }

    @Override
    public BackendInfo backend() {
        return new BackendInfo("fake", "1", "");
    }

    @Override
    public Capabilities capabilities() {
        return capabilities;
    }

    @Override
    public SoftmaxKernel createKernel() {
        createCalls.incrementAndGet();
        if (createFailure != null) {
            throw createFailure;
        }
        return (SoftmaxKernel) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {SoftmaxKernel.class},
                (proxy, method, args) -> {
                    kernelCalls.incrementAndGet();
                    for (Object a : args) {
                        if (a instanceof Layout l) {
                            layouts.add(l);
                        }
                    }
                    return null;
                });
    }
}
