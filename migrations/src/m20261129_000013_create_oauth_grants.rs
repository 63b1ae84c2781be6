//! The OpenID provider's state: authorization requests waiting for a sign-in or a
//! consent, authorization codes (hashed, single use), grants (what a customer allowed an
//! app, and the family of tokens issued under it), refresh tokens (hashed, rotated),
//! revoked access-token ids, and the customers' stored consents.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261129_000001_create_tenants::Tenants;
use crate::m20261129_000002_create_accounts::Users;
use crate::m20261129_000011_create_applications::Applications;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn tenant_fk(table: impl IntoIden + Clone, col: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, col)
        .to(Tenants::Table, Tenants::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn app_fk(table: impl IntoIden + Clone, col: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, col)
        .to(Applications::Table, Applications::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn user_fk(table: impl IntoIden + Clone, col: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, col)
        .to(Users::Table, Users::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OauthRequests::Table)
                    .col(pk_uuid(OauthRequests::Id))
                    .col(uuid(OauthRequests::TenantId))
                    .col(uuid(OauthRequests::AppId))
                    .col(string_len(OauthRequests::BrowserBinding, 64))
                    .col(text(OauthRequests::Params))
                    .col(timestamp_with_time_zone(OauthRequests::CreatedAt))
                    .col(timestamp_with_time_zone(OauthRequests::ExpiresAt))
                    .col(timestamp_with_time_zone_null(OauthRequests::CompletedAt))
                    .foreign_key(&mut tenant_fk(
                        OauthRequests::Table,
                        OauthRequests::TenantId,
                    ))
                    .foreign_key(&mut app_fk(OauthRequests::Table, OauthRequests::AppId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_oauth_requests_expires")
                    .table(OauthRequests::Table)
                    .col(OauthRequests::ExpiresAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OauthGrants::Table)
                    .col(pk_uuid(OauthGrants::Id))
                    .col(uuid(OauthGrants::TenantId))
                    .col(uuid(OauthGrants::AppId))
                    .col(uuid(OauthGrants::UserId))
                    .col(text(OauthGrants::Scope))
                    .col(timestamp_with_time_zone(OauthGrants::AuthTime))
                    .col(string_len(OauthGrants::Amr, 100))
                    .col(small_integer(OauthGrants::Aal))
                    .col(string_len(OauthGrants::Sid, 64))
                    .col(string_len_null(OauthGrants::Nonce, 512))
                    .col(string_len(OauthGrants::RedirectUri, 2000))
                    .col(string_len_null(OauthGrants::CodeChallenge, 128))
                    .col(string_len_null(OauthGrants::CodeHash, 64))
                    .col(timestamp_with_time_zone_null(OauthGrants::CodeExpiresAt))
                    .col(timestamp_with_time_zone_null(OauthGrants::CodeRedeemedAt))
                    .col(timestamp_with_time_zone(OauthGrants::CreatedAt))
                    .col(timestamp_with_time_zone_null(OauthGrants::LastUsedAt))
                    .col(timestamp_with_time_zone_null(OauthGrants::RevokedAt))
                    .foreign_key(&mut tenant_fk(OauthGrants::Table, OauthGrants::TenantId))
                    .foreign_key(&mut app_fk(OauthGrants::Table, OauthGrants::AppId))
                    .foreign_key(&mut user_fk(OauthGrants::Table, OauthGrants::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_oauth_grants_code")
                    .table(OauthGrants::Table)
                    .col(OauthGrants::CodeHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_oauth_grants_user")
                    .table(OauthGrants::Table)
                    .col(OauthGrants::UserId)
                    .col(OauthGrants::AppId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RefreshTokens::Table)
                    .col(string_len(RefreshTokens::TokenHash, 64).primary_key())
                    .col(uuid(RefreshTokens::GrantId))
                    .col(timestamp_with_time_zone(RefreshTokens::CreatedAt))
                    .col(timestamp_with_time_zone(RefreshTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(RefreshTokens::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RefreshTokens::Table, RefreshTokens::GrantId)
                            .to(OauthGrants::Table, OauthGrants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_refresh_tokens_grant")
                    .table(RefreshTokens::Table)
                    .col(RefreshTokens::GrantId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RevokedTokens::Table)
                    .col(string_len(RevokedTokens::Jti, 64).primary_key())
                    .col(timestamp_with_time_zone(RevokedTokens::ExpiresAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Consents::Table)
                    .col(pk_uuid(Consents::Id))
                    .col(uuid(Consents::TenantId))
                    .col(uuid(Consents::UserId))
                    .col(uuid(Consents::AppId))
                    .col(text(Consents::Scope))
                    .col(timestamp_with_time_zone(Consents::CreatedAt))
                    .col(timestamp_with_time_zone(Consents::UpdatedAt))
                    .foreign_key(&mut tenant_fk(Consents::Table, Consents::TenantId))
                    .foreign_key(&mut app_fk(Consents::Table, Consents::AppId))
                    .foreign_key(&mut user_fk(Consents::Table, Consents::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_consents_user_app")
                    .table(Consents::Table)
                    .col(Consents::UserId)
                    .col(Consents::AppId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Consents::Table.into_iden(),
            RevokedTokens::Table.into_iden(),
            RefreshTokens::Table.into_iden(),
            OauthGrants::Table.into_iden(),
            OauthRequests::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum OauthRequests {
    Table,
    Id,
    TenantId,
    AppId,
    BrowserBinding,
    Params,
    CreatedAt,
    ExpiresAt,
    CompletedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum OauthGrants {
    Table,
    Id,
    TenantId,
    AppId,
    UserId,
    Scope,
    AuthTime,
    Amr,
    Aal,
    Sid,
    Nonce,
    RedirectUri,
    CodeChallenge,
    CodeHash,
    CodeExpiresAt,
    CodeRedeemedAt,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum RefreshTokens {
    Table,
    TokenHash,
    GrantId,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum RevokedTokens {
    Table,
    Jti,
    ExpiresAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Consents {
    Table,
    Id,
    TenantId,
    UserId,
    AppId,
    Scope,
    CreatedAt,
    UpdatedAt,
}
