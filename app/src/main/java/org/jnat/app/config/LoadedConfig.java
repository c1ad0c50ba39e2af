package org.jnat.app.config;

import java.util.List;
import org.jnat.config.RouterConfig;

/**
 * A config file that loaded, and the warnings about it: settings that are allowed because the user
 * chose them, but that an RFC advises against (one line each, same shape as an error); and where
 * each value came from (the file, the profile or the default).
 */
public record LoadedConfig(RouterConfig config, List<String> warnings, Origins origins) {
    public LoadedConfig {
        warnings = List.copyOf(warnings);
    }

    public LoadedConfig(RouterConfig config, List<String> warnings) {
        this(config, warnings, new Origins());
    }
}
