package dev.ephemera.web;

import io.micronaut.core.bind.annotation.Bindable;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A controller parameter bound from the whole request body, a {@code @Serdeable} record, under
 * {@link RequestBodies}' rules (SPEC §6): strict JSON, each field's kind, Micronaut Serde, then Bean Validation, a
 * mistake answered {@code invalid_json} or {@code invalid_request} naming the field. {@link StrictBodyBinder} does the
 * binding, so that no controller reads a body by hand. An absent or empty body is an empty object.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
@Bindable
public @interface StrictBody {

    /**
     * Whether an {@code application/x-www-form-urlencoded} body is read too, as its {@code Content-Type} says
     * (RFC 7662 and RFC 7009 clients send forms); otherwise the body is JSON whatever it is labelled.
     */
    boolean form() default false;
}
