(invocation_expression function: (identifier) @name (#set! ref "call"))
(invocation_expression function: (member_access_expression expression: (_) @object name: (identifier) @name) (#set! ref "call"))
(object_creation_expression type: (identifier) @name (#set! ref "new"))
