package org.softmaxspi.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * softmax-bom has no parent (so that it hands its users nothing but our versions), so nothing keeps it in step
 * by construction: this test fails when its version is not the build's, or when it does not manage exactly the
 * library modules of the build (every module but the applications, which skip their javadoc jar, and the BOM).
 */
class BomTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    private static Document read(Path pom) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
    }

    private static List<Element> children(Node parent, String name) {
        List<Element> found = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i) instanceof Element e && e.getTagName().equals(name)) {
                found.add(e);
            }
        }
        return found;
    }

    private static String text(Node parent, String name) {
        return children(parent, name).get(0).getTextContent().trim();
    }

    @Test
    void theBomManagesEveryLibraryModuleAtTheBuildsVersion() throws Exception {
        Document bom = read(ROOT.resolve("softmax-bom/pom.xml"));
        Element project = bom.getDocumentElement();
        assertEquals(System.getProperty("softmax.version"), text(project, "version"), "softmax-bom's version");
        TreeSet<String> managed = new TreeSet<>();
        Element dm = children(project, "dependencyManagement").get(0);
        for (Element dep : children(children(dm, "dependencies").get(0), "dependency")) {
            assertEquals("org.softmaxspi", text(dep, "groupId"), "groupId of " + text(dep, "artifactId"));
            assertEquals("${project.version}", text(dep, "version"), "version of " + text(dep, "artifactId"));
            managed.add(text(dep, "artifactId"));
        }
        TreeSet<String> libraries = new TreeSet<>();
        Element modules = children(read(ROOT.resolve("pom.xml")).getDocumentElement(), "modules").get(0);
        for (Element module : children(modules, "module")) {
            String name = module.getTextContent().trim();
            String pom = Files.readString(ROOT.resolve(name).resolve("pom.xml"));
            if (!name.equals("softmax-bom") && !pom.contains("<maven.javadoc.skip>true</maven.javadoc.skip>")) {
                libraries.add(text(read(ROOT.resolve(name).resolve("pom.xml")).getDocumentElement(), "artifactId"));
            }
        }
        assertEquals(libraries, managed, "the artifacts softmax-bom manages (want: every library module)");
    }
}
