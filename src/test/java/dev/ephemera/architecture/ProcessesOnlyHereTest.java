package dev.ephemera.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.core.domain.JavaCall.Predicates.target;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.type;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.name;
import static com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With.owner;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.ephemera.support.Processes;
import java.util.List;

/**
 * The tests start every process through {@link Processes#builder}, the one place that keeps the developer's broker
 * settings out of a child's environment (SPEC §9): a {@code new ProcessBuilder} anywhere else would hand them on.
 */
@AnalyzeClasses(packages = "dev.ephemera", importOptions = ImportOption.OnlyIncludeTests.class)
class ProcessesOnlyHereTest {

    @ArchTest
    static final ArchRule TESTS_START_PROCESSES_ONLY_THROUGH_PROCESSES = noClasses()
            .that().doNotHaveFullyQualifiedName(Processes.class.getName())
            .should().callConstructor(ProcessBuilder.class, String[].class)
            .orShould().callConstructor(ProcessBuilder.class, List.class)
            .orShould().callMethodWhere(describe("Runtime.exec", call -> target(name("exec")).test(call)
                    && target(owner(type(Runtime.class))).test(call)));
}
