package org.softmaxspi.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.softmaxspi.api.ProviderStatus;
import org.softmaxspi.api.SoftmaxProviderException;
import org.softmaxspi.api.SoftmaxProviders;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code softmax providers}: every provider found, whether it works here, and which is the default. */
@Command(name = "providers", mixinStandardHelpOptions = true,
        description = {"Lists every provider found on the class path: name, available, reason when not, backend "
                + "library and version, priority, and which is the default.",
            "The default is chosen by -Dsoftmax.provider, then SOFTMAX_PROVIDER, then the highest priority."})
final class ProvidersCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print the same as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<ProviderStatus> all = SoftmaxProviders.all();
        String defaultName;
        String defaultError = null;
        try {
            defaultName = Providers.defaultProvider().name();
        } catch (SoftmaxProviderException e) {
            defaultName = null;
            defaultError = e.getMessage();
        }
        if (json) {
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ArrayNode arr = mapper.createArrayNode();
            for (ProviderStatus p : all) {
                ObjectNode o = arr.addObject();
                o.put("name", p.name());
                o.put("available", p.available());
                o.put("reason", p.availability().reason());
                o.put("library", p.backend().library());
                o.put("version", p.backend().version());
                o.put("details", p.backend().details());
                o.put("priority", p.priority());
                o.put("default", p.name().equals(defaultName));
            }
            out.println(mapper.writeValueAsString(arr));
            return 0;
        }
        String fmt = "%-2s %-12s %-9s %-8s %-48s %s%n";
        out.printf(fmt, "", "NAME", "AVAILABLE", "PRIORITY", "BACKEND", "REASON");
        for (ProviderStatus p : all) {
            out.printf(fmt, p.name().equals(defaultName) ? "*" : "", p.name(), p.available() ? "yes" : "no",
                    p.priority() == Integer.MIN_VALUE ? "-" : Integer.toString(p.priority()), p.backend(),
                    p.availability().reason());
        }
        out.println(defaultName != null ? "* default: " + defaultName
                + " (choose with -Dsoftmax.provider=NAME or SOFTMAX_PROVIDER=NAME)" : "no default: " + defaultError);
        out.flush();
        return 0;
    }
}
