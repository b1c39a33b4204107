package dev.aegis.canary.config;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import io.fabric8.kubernetes.api.model.Secret;

/** Reads a Secret's keys the way the API server stores them (base64 under data), or as stringData before that. */
public final class Secrets {

    private Secrets() {
    }

    /** The key's value, or null when the Secret has no such key. */
    public static String value(Secret secret, String key) {
        if (secret.getData() != null && secret.getData().get(key) != null) {
            return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
        }
        return secret.getStringData() == null ? null : secret.getStringData().get(key);
    }
}
