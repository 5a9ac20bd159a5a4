"""The "webhook" flow: the changes Procore's deliveries name, each read by id and applied."""
