(call receiver: (constant) @name method: (identifier) @_new (#eq? @_new "new") (#set! ref "new"))
(call receiver: (_) @object method: (identifier) @name (#set! ref "call"))
(call !receiver method: (identifier) @name (#set! ref "call"))
