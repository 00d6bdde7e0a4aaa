-- OmniActors: the ASP.NET Core Data Protection key ring that seals /dashboard session cookies, kept in the cluster's
-- database (unless OmniActors:Dashboard:KeysPath names a folder) so every silo behind one load balancer accepts every
-- other silo's cookies and a restarted container keeps its operators signed in. id: the key's friendly name
-- ("key-<guid>"); xml: the key element as Data Protection wrote it.
CREATE TABLE IF NOT EXISTS omni_dataprotection_keys (
    id         text    NOT NULL PRIMARY KEY,
    xml        text    NOT NULL,
    created_at bigint  NOT NULL
);
