package dev.ephemera.provider;

import java.net.URI;
import java.util.regex.Pattern;

/**
 * Where Vertex AI is for one Google Cloud project and location: the regional endpoint
 * {@code {location}-aiplatform.googleapis.com}, or {@code aiplatform.googleapis.com} for {@code global}; the path
 * of Google's models there, under which the HTTP relay's endpoints are; and a model's resource name, which a Live
 * session's {@code setup} carries. Both values are checked here, since they become part of a host name and a path.
 *
 * @param project  the project id ({@code my-project}, or an older {@code example.com:my-project}) or number
 * @param location a region ({@code us-central1}, {@code europe-west4}) or {@code global}
 */
record VertexLocation(String project, String location) {

    static final String GLOBAL = "global";
    /** Where Vertex AI's Live API listens, beside the REST API on the same host. */
    static final String LIVE_PATH = "/ws/google.cloud.aiplatform.v1.LlmBidiService/BidiGenerateContent";
    /** Where a base URL's path stops being the host's own prefix and starts naming the project. */
    static final String PROJECTS = "/v1/projects/";

    /** A project id (6 to 30 characters, optionally after a domain and a colon) or a project number. */
    private static final Pattern PROJECT = Pattern.compile(
            "([a-z0-9][a-z0-9.-]{0,62}:)?[a-z][a-z0-9-]{4,28}[a-z0-9]|[0-9]{1,20}");
    private static final Pattern LOCATION = Pattern.compile("[a-z]+(-[a-z0-9]+){0,4}");

    VertexLocation {
        if (!PROJECT.matcher(project).matches()) {
            throw new IllegalArgumentException("ephemera.providers.vertex.project must be a Google Cloud project id "
                    + "or number, was " + project);
        }
        if (location.length() > 40 || !LOCATION.matcher(location).matches()) {
            throw new IllegalArgumentException("ephemera.providers.vertex.location must be a Google Cloud region "
                    + "(us-central1) or global, was " + location);
        }
    }

    /** The API's host: regional, or without a region for {@code global}. */
    String host() {
        return GLOBAL.equals(location) ? "aiplatform.googleapis.com" : location + "-aiplatform.googleapis.com";
    }

    /** {@code projects/{project}/locations/{location}/publishers/google}: where Google's models are. */
    String publisher() {
        return "projects/" + project + "/locations/" + location + "/publishers/google";
    }

    /** The HTTP relay's base URL: {@code https://{host}/v1/projects/…/publishers/google}. */
    String baseUrl() {
        return "https://" + host() + "/v1/" + publisher();
    }

    /** A model's full resource name, as a Live session's {@code setup} names it. */
    String model(String model) {
        return publisher() + "/models/" + model;
    }

    /**
     * The Live API's URL for {@code base}, the HTTP relay's base URL: its scheme as {@code ws(s)}, its host and port,
     * its path up to {@code /v1/projects/} (all of it when it has none, as a test's fake may), then
     * {@link #LIVE_PATH}.
     */
    static URI liveUri(URI base) {
        String path = base.getRawPath() == null ? "" : base.getRawPath();
        int projects = path.indexOf(PROJECTS);
        String prefix = projects < 0 ? path : path.substring(0, projects);
        return URI.create(base.getScheme().replaceFirst("^http", "ws") + "://" + base.getRawAuthority() + prefix
                + LIVE_PATH);
    }
}
