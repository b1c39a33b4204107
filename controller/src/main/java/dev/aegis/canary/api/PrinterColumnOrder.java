package dev.aegis.canary.api;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;

/**
 * Build time only (quarkus.operator-sdk.crd.post-processor): the CRD generator sorts printer columns by JSON path;
 * this puts them in the order they are declared on the class, so {@code kubectl get canaries} reads TARGET, PHASE,
 * WEIGHT, MESSAGE, AGE.
 */
public class PrinterColumnOrder implements CRDPostProcessor {

    @Override
    public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
        if (!(crd instanceof CustomResourceDefinition definition) || !"Canary".equals(definition.getSpec().getNames()
                .getKind())) {
            return crd;
        }
        List<String> declared = new ArrayList<>();
        for (var column : Canary.class.getAnnotationsByType(
                io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.class)) {
            declared.add(column.jsonPath());
        }
        for (CustomResourceDefinitionVersion version : definition.getSpec().getVersions()) {
            if (version.getAdditionalPrinterColumns() != null) {
                List<CustomResourceColumnDefinition> columns = new ArrayList<>(version.getAdditionalPrinterColumns());
                columns.sort(Comparator.comparingInt(c -> declared.indexOf(c.getJsonPath())));
                version.setAdditionalPrinterColumns(columns);
            }
        }
        return crd;
    }
}
