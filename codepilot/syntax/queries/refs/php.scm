(function_call_expression function: (name) @name (#set! ref "call"))
(member_call_expression object: (_) @object name: (name) @name (#set! ref "call"))
(scoped_call_expression scope: (_) @object name: (name) @name (#set! ref "call"))
(object_creation_expression (name) @name (#set! ref "new"))
