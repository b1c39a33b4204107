package dev.aegis.canary.api;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** Where a Canary's notifications go (Slack, Microsoft Teams, Discord, a webhook); the address lives in a Secret. */
@Group(Canary.GROUP)
@Version(Canary.VERSION)
@ShortNames("np")
public class NotificationProvider extends CustomResource<NotificationProviderSpec, Void> implements Namespaced {
}
