namespace EdgeSync.Api.Auth;

/// <summary>What a caller may do under <c>/projects/{project_id}</c>.</summary>
public enum ProjectPermission
{
    /// <summary><c>PROJECT_CAN_VIEW_DEVICES</c>: every GET under the project.</summary>
    View,

    /// <summary><c>PROJECT_CAN_MANAGE_DEVICES</c>: everything under the project; implies View.</summary>
    Manage,
}
