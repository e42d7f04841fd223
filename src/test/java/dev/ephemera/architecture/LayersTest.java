package dev.ephemera.architecture;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The layers of ARCHITECTURE.md, read from its table and enforced on the code: a package imports only packages of
 * lower layers (never one of its own layer), every package of the code is in the table, and every package the
 * table names exists. The table is the rule; changing the code's layering means changing the table.
 */
class LayersTest {

    private static final Pattern ROW = Pattern.compile("^\\|\\s*(\\d+)\\s*\\|([^|]*)\\|");
    private static final Pattern PACKAGE = Pattern.compile("`([a-z.]+)`");
    private static final String BASE = "dev.ephemera";

    private static final JavaClasses CODE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages(BASE);

    /** Each package the table names (relative to {@code dev.ephemera}, which is written out), by its layer. */
    static Map<String, Integer> table() throws IOException {
        Map<String, Integer> layers = new LinkedHashMap<>();
        boolean inLayers = false;
        for (String line : Files.readAllLines(Path.of("ARCHITECTURE.md"))) {
            if (line.startsWith("## ")) {
                inLayers = line.startsWith("## The layers");
            }
            Matcher row = ROW.matcher(line);
            if (inLayers && row.find()) {
                Matcher name = PACKAGE.matcher(row.group(2));
                while (name.find()) {
                    assertThat(layers.put(name.group(1), Integer.parseInt(row.group(1))))
                            .as("%s is in the table once", name.group(1)).isNull();
                }
            }
        }
        assertThat(layers).as("ARCHITECTURE.md's table of layers").isNotEmpty();
        return layers;
    }

    private static String glob(String pkg) {
        return pkg.equals(BASE) ? BASE : BASE + "." + pkg + "..";
    }

    /** The top-level package a class of ours is in ({@code dev.ephemera} for the classes directly in it). */
    private static String topLevel(JavaClass type) {
        String pkg = type.getPackageName();
        if (pkg.equals(BASE)) {
            return BASE;
        }
        return pkg.substring(BASE.length() + 1).split("\\.")[0];
    }

    @Test
    void everyPackageOfTheCodeIsInTheTableAndEveryPackageOfTheTableInTheCode() throws IOException {
        TreeSet<String> code = CODE.stream().map(LayersTest::topLevel).collect(Collectors.toCollection(TreeSet::new));
        assertThat(new TreeSet<>(table().keySet())).isEqualTo(code);
    }

    @Test
    void aPackageImportsOnlyPackagesOfLowerLayers() throws IOException {
        Map<String, Integer> table = table();
        LayeredArchitecture layered = layeredArchitecture().consideringOnlyDependenciesInLayers();
        for (String pkg : table.keySet()) {
            layered = layered.layer(pkg).definedBy(glob(pkg));
        }
        for (Map.Entry<String, Integer> pkg : table.entrySet()) {
            List<String> below = new ArrayList<>();
            table.forEach((other, layer) -> {
                if (layer < pkg.getValue()) {
                    below.add(other);
                }
            });
            layered = below.isEmpty() ? layered.whereLayer(pkg.getKey()).mayNotAccessAnyLayer()
                    : layered.whereLayer(pkg.getKey()).mayOnlyAccessLayers(below.toArray(String[]::new));
        }
        layered.check(CODE);
    }
}
